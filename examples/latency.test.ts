import { makeTestRequest, TestPrompts } from "worker-orcd-jest";

// Latency under a service-level objective: each job is judged inside the test (toMeetSlo), and the run
// report adds every job to its statistics, its goodput and the baseline gate (one sample per job).

describe("latency", () => {
  it("twelve jobs in a row meet the SLO", async () => {
    for (let k = 0; k < 12; k++) {
      const events = await worker.execute(makeTestRequest(`lat-${k}`, TestPrompts.simple(), 24));
      expect(events).toCompleteSuccessfully();
      expect(events).toMeetSlo({ ttftMs: 2000, tpotMs: 200 });
    }
  });
});
