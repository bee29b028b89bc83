// Type-checked only (test/types/typings.test.ts): the matchers on Vitest's expect, the worker and its fixture.
import { expect } from "vitest";
import { describeGpu, itGpu, test, worker } from "worker-orcd-jest/vitest";

test("the matchers are typed on Vitest's Assertion", async ({ worker: fixture }) => {
  const events = await fixture.execute({ job_id: "a", prompt: "p", max_tokens: 3 });
  expect(events).toHaveValidEventOrder();
  expect(events).toCompleteSuccessfully();
  expect(events).toHaveTokenCount({ atLeast: 1 });
  expect(events).toStreamWithoutStalls({ firstTokenMs: 500, gapMs: 200 });
  expect(await worker.health()).toBeHealthy();
  await expect(worker).toBeDeterministic({ job_id: "d", prompt: "p", max_tokens: 4, seed: 1 });
  // @ts-expect-error not a stop reason
  expect(events).toHaveStopReason("done");
  // @ts-expect-error the request is an execute request
  await expect(worker).toBeDeterministic({ prompt: 1 });
});

itGpu("a GPU test", async () => {
  expect(await worker.execute({ job_id: "g", prompt: "p", max_tokens: 1 })).toCompleteSuccessfully();
});
describeGpu("GPU tests", () => {});
