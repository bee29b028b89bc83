import { afterAll, describe, expect, it } from "@jest/globals";
import { matchers } from "../../src/matchers";
import { startMock, stopAllMocks } from "../helpers/mock";
import { plain } from "./events";

expect.extend(matchers);
afterAll(stopAllMocks);

/** The failure message of an async matcher expectation (throws if it passed). */
async function asyncFailureOf(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (error) {
    return plain((error as Error).message);
  }
  throw new Error("the expectation passed");
}

describe("toBeDeterministic", () => {
  it("passes a seeded request on the mock: the same tokens in every run", async () => {
    const w = await startMock({ extraArgs: ["--token-interval-ms", "0"] });
    await expect(w.client).toBeDeterministic({
      job_id: "d",
      prompt: "hi",
      max_tokens: 20,
      seed: 7,
      temperature: 0.8,
    });
    await expect(w.client).toBeDeterministic(
      { job_id: "d2", prompt: "hi", max_tokens: 5, seed: 7 },
      { runs: 2 },
    );
  });

  it("fails an unseeded request, naming the run and token where they part, with the tokens around it", async () => {
    const w = await startMock({ extraArgs: ["--token-interval-ms", "0", "--eos-after", "0"] });
    const message = await asyncFailureOf(() =>
      expect(w.client).toBeDeterministic({ job_id: "u", prompt: "hi", max_tokens: 30 }),
    );
    expect(message).toMatch(
      /Run 2 of 3 parts from run 1 at token #\d+ \(run 1 gave 30 token\(s\), run 2 30\):/,
    );
    expect(message).toMatch(/ {2}run 1: .*\[".*"\]/);
    expect(message).toMatch(/ {2}run 2: .*\[".*"\]/);
    expect(message).toMatch(/Request: \{"job_id": "u"/);
  });

  it("says what it needs when given something that cannot execute, or fewer than two runs", async () => {
    expect(
      await asyncFailureOf(() => expect(42).toBeDeterministic({ job_id: "x", prompt: "p", max_tokens: 1 })),
    ).toMatch(/Expected the global `worker`, a WorkerTestHarness or a WorkerClient/);
    const w = await startMock();
    expect(
      await asyncFailureOf(() =>
        expect(w.client).toBeDeterministic({ job_id: "x", prompt: "p", max_tokens: 1 }, { runs: 1 }),
      ),
    ).toMatch(/runs must be a whole number >= 2, got 1/);
  });
});
