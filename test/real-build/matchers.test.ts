import { afterAll, expect, it } from "@jest/globals";
import { matchers } from "../../src/matchers";
import { describeRealBuild, startReal, stopRealWorkers } from "../helpers/real-build";

// The matchers judge the real build by the specification and say why it differs.

expect.extend(matchers);
afterAll(stopRealWorkers);

const failure = (fn: () => void): string => {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("the matcher passed");
};

describeRealBuild("matchers over the real build's streams", () => {
  it("a failing matcher names the build's deviations: BPE pieces, upper-case stop reason, not streamed", async () => {
    const w = await startReal({ env: { FAKE_GPU_TOKEN_DELAY_MS: "20" } });
    const events = await w.client.execute({ job_id: "m", prompt: "hi", max_tokens: 4 });
    // By the specification's case-insensitive rule, MAX_TOKENS is max_tokens.
    expect(events).toHaveStopReason("max_tokens");
    const text = failure(() => expect(events).toHaveText("Hello world from the"));
    expect(text).toMatch(
      /the tokens are byte-level BPE pieces \("Ġ" for a space\), not text, as build 5d6c9a4a sends them; decoded, the text is "Hello world from the"/,
    );
    expect(text).toMatch(/the stop reason is upper-case \(MAX_TOKENS\)/);
    expect(text).toMatch(/every token arrived at once: the worker did not stream/);
    const eos = failure(() => expect(events).toHaveStopReason("eos"));
    expect(eos).toMatch(/reports MAX_TOKENS where generation hit end-of-sequence/);
  });

  it("toHaveStoppedCleanly fails the build's stop: SIGTERM has no handler, it dies by the signal", async () => {
    const w = await startReal();
    const stop = await w.stopMeasured();
    expect(stop).toMatchObject({ exit: { code: null, signal: "SIGTERM" }, survivors: [] });
    expect(failure(() => expect(stop).toHaveStoppedCleanly())).toMatch(
      /- it was ended by SIGTERM \(no handler: it did not shut down, it died\)/,
    );
  });
});
