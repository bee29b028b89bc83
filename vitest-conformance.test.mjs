/** The conformance suite as a Vitest project: `conformanceProject()` from "worker-orcd-jest/vitest/config". */
import { createRequire } from "node:module";
import { beforeAll, describe, expect, test } from "vitest";

const require = createRequire(import.meta.url);
require("./dist/conformance/suite.js").conformanceSuite({ beforeAll, describe, test }, (result) => {
  expect(result).toEqual({ verdict: expect.stringMatching(/^(pass|n\/a)$/), evidence: result.evidence });
});
