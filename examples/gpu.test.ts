/**
 * @requires-gpu
 */
import { makeTestRequest, TestModel, TestPrompts } from "worker-orcd-jest";

describe("the reference model on a real GPU", () => {
  it("loads Qwen2.5-0.5B and generates", async () => {
    expect(worker.kind).toBe("real");
    const events = await worker.execute(makeTestRequest("gpu-1", TestPrompts.simple(), 20));
    expect(events).toCompleteSuccessfully();
    expect(events).toHaveFirstTokenWithin(1000);
  });

  it("is healthy, and reports the reference model's facts where /health has them", async () => {
    const health = await worker.health();
    expect(health).toBeHealthy();
    // A complete worker reports the model's facts; the last real builds answer only the minimal form.
    if ("vocab_size" in health) expect(health.vocab_size).toBe(TestModel.qwen2_5_0_5b().vocabSize);
  });
});
