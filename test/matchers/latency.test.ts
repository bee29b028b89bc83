import { afterAll, describe, expect, it } from "@jest/globals";
import { attachSource, stampReceived } from "../../src/client/received";
import { matchers } from "../../src/matchers";
import type { WorkerEvent } from "../../src/protocol/events";
import { startMock, stopAllMocks } from "../helpers/mock";
import { jobStarted } from "../helpers/wait";
import { end, failureOf, started, token } from "./events";

expect.extend(matchers);
afterAll(stopAllMocks);

/** Events stamped at fixed times after a request at t=1000. */
function timed(times: number[]): WorkerEvent[] {
  const events = [started(), ...times.map((_, i) => token(i)), end(times.length)];
  const at = [1000, ...times, times[times.length - 1]];
  return attachSource(
    events.map((e, k) => stampReceived(e, at[k])),
    { label: "test", requestedAt: 1000 },
  );
}

describe("toHaveFirstTokenWithin", () => {
  it("measures from the request to the first token", () => {
    expect(timed([1050, 1060])).toHaveFirstTokenWithin(60);
    expect(timed([1050, 1060])).not.toHaveFirstTokenWithin(40);
    expect(failureOf(() => expect(timed([1150, 1160])).toHaveFirstTokenWithin(100))).toMatchSnapshot();
  });
  it("says so honestly when the worker does not stream", () => {
    expect(failureOf(() => expect(timed([1500, 1500, 1500])).toHaveFirstTokenWithin(100))).toMatch(
      /all tokens arrived at once: this worker does not stream/,
    );
  });
  it("fails clearly on events without receive times", () => {
    expect(
      failureOf(() => expect([started(), token(0), end(1)]).toHaveFirstTokenWithin(100)),
    ).toMatchSnapshot();
  });
});

describe("toStreamAtLeast", () => {
  it("measures tokens per second between the first and last token", () => {
    expect(timed([1010, 1020, 1030])).toStreamAtLeast(99);
    expect(timed([1010, 1020, 1030])).not.toStreamAtLeast(101);
    expect(failureOf(() => expect(timed([1010, 1110, 1210])).toStreamAtLeast(50))).toMatchSnapshot();
  });
  it("measures an unstreamed worker from the request, and says so", () => {
    const message = failureOf(() => expect(timed([2000, 2000, 2000, 2000])).toStreamAtLeast(100));
    expect(message).toMatch(/4.0 tokens\/s over 1000.0 ms \(all tokens arrived at once/);
  });
});

describe("matchers on real streams from the mock worker", () => {
  it("judge a spec stream and a compat stream by the specification", async () => {
    const spec = await startMock({ extraArgs: ["--eos-after", "0"] });
    const events = await spec.client.execute({ job_id: "real-1", prompt: "Hi", max_tokens: 8, stop: ["🚀"] });
    expect(events).toHaveValidEventOrder();
    expect(events).toHaveFirstTokenWithin(5000);
    expect(events).toStreamAtLeast(1);
    const compat = await startMock({ extraArgs: ["--compat", "--eos-after", "3"] });
    const legacy = await compat.client.execute({ job_id: "real-2", prompt: "Hi", max_tokens: 8 });
    expect(legacy).toCompleteSuccessfully();
    // build 5d6c9a4a breaks on EOS and finalize() reports MaxTokens (inference_executor.rs)
    expect(legacy).toHaveStopReason("max_tokens");
    expect(legacy).toHaveTokenCount(3);
  });

  it("end their failure message with the worker's log tail", async () => {
    const w = await startMock({ env: { WORKER_ORCD_MOCK_FAULT: "double-terminal" } });
    const events = await w.client.execute({ job_id: "dbl", prompt: "Hi", max_tokens: 2 });
    await jobStarted(w, "dbl"); // the log arrives over a pipe, the events over a socket
    const message = failureOf(() => expect(events).toHaveValidEventOrder());
    expect(message).toMatch(
      /Broken rule: one terminal event at event #4: a second terminal event \(error\) follows #3 end/,
    );
    expect(message).toMatch(
      /Last \d+ line\(s\) of the worker's log \(http:\/\/127\.0\.0\.1:\d+\):\n {2}\{"timestamp"/,
    );
    expect(message).toContain('"message":"job started","job_id":"dbl"');
  });

  it("read a cancelled job as CANCELLED", async () => {
    const w = await startMock({ extraArgs: ["--token-interval-ms", "5", "--eos-after", "0"] });
    const running = w.client.execute({ job_id: "cx", prompt: "Hi", max_tokens: 2048 });
    await jobStarted(w, "cx");
    await w.client.cancel("cx");
    await expect(running).resolves.toFailWithCode("CANCELLED");
    await expect(running).resolves.toHaveValidEventOrder();
  });
});

describe("toMeetSlo", () => {
  it("judges TTFT, TPOT and end-to-end as the run report does", () => {
    // Request at 1000; tokens at 1050, 1060, 1070; end at 1070: TTFT 50, e2e 70, TPOT (70 - 50) / 2 = 10.
    const events = timed([1050, 1060, 1070]);
    expect(events).toMeetSlo({ ttftMs: 50, tpotMs: 10, e2eMs: 70 });
    const missed = failureOf(() => expect(events).toMeetSlo({ ttftMs: 40, tpotMs: 5 }));
    expect(missed).toMatch(
      /missed TTFT 50 ms > 40 ms, TPOT 10 ms > 5 ms \(TTFT 50\.0 ms, TPOT 10\.0 ms, e2e 70\.0 ms, 3 tokens\)/,
    );
    expect(failureOf(() => expect(events).not.toMeetSlo({ e2eMs: 100 }))).toMatch(/met every bound/);
  });
  it("names a bad bound and the fix", () => {
    const events = timed([1050]);
    expect(failureOf(() => expect(events).toMeetSlo({ ttft: 5 } as never))).toMatch(
      /unknown SLO bound ttft \(did you mean `ttftMs`\?\) in slo; known: ttftMs, tpotMs, e2eMs/,
    );
    expect(failureOf(() => expect(events).toMeetSlo({ e2eMs: -1 }))).toMatch(
      /e2eMs must be a number of ms > 0/,
    );
    expect(failureOf(() => expect([started(), token(0), end(1)]).toMeetSlo({ e2eMs: 5 }))).toMatch(
      /carry no receive times/,
    );
  });
});
