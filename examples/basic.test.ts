import { makeTestRequest, mockScript, TestConfig, TestPrompts } from "worker-orcd-jest";

describe("a worker under test", () => {
  it("streams a valid, successful completion", async () => {
    const events = await worker.execute(makeTestRequest("job-1", TestPrompts.simple(), 5));
    expect(events).toHaveValidEventOrder();
    expect(events).toCompleteSuccessfully();
    expect(events).toHaveTokenCount(5);
    expect(events).toHaveStopReason("max_tokens");
  });

  it("is healthy", async () => {
    expect(await worker.health()).toBeHealthy();
  });

  it("rejects an invalid request, naming the fields", async () => {
    const res = await worker.executeRaw({ job_id: "bad", prompt: "", max_tokens: 0 });
    expect(res).toBeRejectedFor(["prompt", "max_tokens"]);
  });

  it("stops at a stop sequence", async () => {
    const { prompt, stop } = TestPrompts.withStop();
    // The mock is scripted, so the stop sequence is known to come; a real worker generates freely.
    const scripted = worker.kind === "mock";
    const headers = scripted ? mockScript({ tokens: ["1", ",", " 2", ".", " 3"] }) : undefined;
    const events = await worker.execute(
      makeTestRequest("job-2", prompt, TestConfig.long.maxTokens, { stop }),
      { headers },
    );
    expect(events).toCompleteSuccessfully();
    if (scripted) expect(events).toHaveMatchedStopSequence(".");
  });

  it("cancels a running job", async () => {
    // Cancel once the job has surely started (its first token came), not after a guessed sleep.
    const events = [];
    for await (const event of worker.stream(makeTestRequest("job-3", TestPrompts.long(), 2048))) {
      events.push(event);
      if (event.type === "token" && event.i === 0) await worker.cancel("job-3");
    }
    expect(events).toFailWithCode("CANCELLED");
  });
});
