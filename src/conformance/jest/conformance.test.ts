/**
 * The conformance suite as a Jest project: add `require.resolve("worker-orcd-jest/conformance")`
 * to `projects`. Configured by the WORKER_ORCD_* variables `conformanceSuite` reads.
 */
import { beforeAll, describe, expect, test } from "@jest/globals";
import { conformanceSuite } from "../suite";

conformanceSuite({ beforeAll, describe, test }, (result) => {
  expect(result).toEqual({ verdict: expect.stringMatching(/^(pass|n\/a)$/), evidence: result.evidence });
});
