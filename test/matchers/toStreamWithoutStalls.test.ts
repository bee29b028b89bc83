import { afterAll, describe, expect, it } from "@jest/globals";
import { attachSource, stampReceived } from "../../src/client/received";
import { matchers } from "../../src/matchers";
import type { WorkerEvent } from "../../src/protocol/events";
import { startMock, stopAllMocks } from "../helpers/mock";
import { end, failureOf, plain, started, token } from "./events";

expect.extend(matchers);
afterAll(stopAllMocks);

/** started, tokens "a0".."aN" and end, stamped at the given times after a request at t=1000. */
function timed(tokenTimes: number[], endAt = tokenTimes[tokenTimes.length - 1]): WorkerEvent[] {
  const events = [started(), ...tokenTimes.map((_, i) => token(i, `a${i} `)), end(tokenTimes.length)];
  const at = [1001, ...tokenTimes, endAt];
  return attachSource(
    events.map((e, k) => stampReceived(e, at[k])),
    { label: "test", requestedAt: 1000 },
  );
}

describe("toStreamWithoutStalls", () => {
  it("passes a stream whose first token and every gap are within the bounds", () => {
    expect(timed([1020, 1030, 1040])).toStreamWithoutStalls({ firstTokenMs: 50, gapMs: 15 });
    expect(timed([1020, 1030, 1040])).toStreamWithoutStalls({ gapMs: 25 });
  });

  it("fails a late first token, saying how late", () => {
    const message = plain(
      failureOf(() => expect(timed([1300, 1310])).toStreamWithoutStalls({ firstTokenMs: 100 })),
    );
    expect(message).toMatch(
      /Broken rule: first token at event #1: the first token came 300\.0 ms after the request, past 100 ms/,
    );
    expect(message).toMatch(/Timeline \(4 event\(s\)\)/);
  });

  it("fails a stall mid-stream, naming where it was and showing the text received before it", () => {
    const message = plain(
      failureOf(() => expect(timed([1010, 1020, 1900, 1910])).toStreamWithoutStalls({ gapMs: 200 })),
    );
    expect(message).toMatch(
      /Broken rule: no stall at event #3: 880\.0 ms passed between event #2 \(token\) and #3 \(token\), past 200 ms, after 2 token\(s\); the text so far: "a0 a1 "/,
    );
  });

  it("names a bad bound and the fix", () => {
    expect(failureOf(() => expect(timed([1010])).toStreamWithoutStalls({ gap: 5 } as never))).toMatch(
      /unknown bound gap \(did you mean `gapMs`\?\) in bounds/,
    );
    expect(failureOf(() => expect(timed([1010])).toStreamWithoutStalls({}))).toMatch(
      /bounds must be an object with any of firstTokenMs, gapMs/,
    );
  });

  it("judges a real worker's stream by the client's receive times", async () => {
    const w = await startMock({ extraArgs: ["--token-interval-ms", "100", "--eos-after", "0"] });
    const events = await w.client.execute({ job_id: "paced", prompt: "hi", max_tokens: 4 });
    // Tokens 100 ms apart: a 20 ms bound is broken, a 5 s one holds even on a loaded machine.
    expect(events).not.toStreamWithoutStalls({ gapMs: 20 });
    expect(events).toStreamWithoutStalls({ gapMs: 5_000, firstTokenMs: 5_000 });
    const late = await startMock({ extraArgs: ["--first-token-delay-ms", "300", "--eos-after", "0"] });
    const slow = await late.client.execute({ job_id: "late", prompt: "hi", max_tokens: 2 });
    expect(slow).not.toStreamWithoutStalls({ firstTokenMs: 100 });
  });
});
