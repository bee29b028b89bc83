import { makeTestRequest, WorkerTestHarness } from "worker-orcd-jest";

describe("extra workers inside a test", () => {
  it("a compat-mode mock behaves like the last real builds", async () => {
    await using legacy = await WorkerTestHarness.startMock({ compat: true });
    const events = await legacy.execute(makeTestRequest("compat-1", "Hello", 4));
    expect(events).toHaveValidEventOrder();
    expect(events).toHaveStopReason("max_tokens");
  });

  it("a job that fails before it starts still reads its code", async () => {
    await using failing = await WorkerTestHarness.startMock({ compat: true, faults: ["inference-failed"] });
    const events = await failing.execute(makeTestRequest("fail-1", "Hello", 4));
    expect(events).not.toHaveValidEventOrder();
    expect(events).toFailWithCode("INFERENCE_FAILED");
  });
});
