import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "@jest/globals";
import { runConformance } from "../../src/conformance/run";
import { REPO } from "../helpers/jest-run";
import { describeRealBuild, REAL_BIN, TINY_GGUF } from "../helpers/real-build";

// The real binary, compat mode and the fixture agree clause by clause. The real build is
// measured by the same script that writes the fixture (scripts/conformance-5d6c9a4a.js).

const { measureRealBuild } = require(join(REPO, "scripts", "conformance-5d6c9a4a.js")) as {
  measureRealBuild: (bin: string, model: string) => Promise<{ verdicts: Record<string, string> }>;
};

describeRealBuild("conformance of build 5d6c9a4a", () => {
  it("real binary = compat mode = fixture, clause by clause", async () => {
    const fixture = JSON.parse(
      readFileSync(join(REPO, "test", "fixtures", "conformance-5d6c9a4a.json"), "utf8"),
    );
    const want = Object.fromEntries(
      Object.entries(fixture.clauses).map(([id, c]) => [id, (c as { verdict: string }).verdict]),
    );
    const real = (await measureRealBuild(REAL_BIN, TINY_GGUF)).verdicts;
    const compat = await runConformance({ binary: "mock", model: "mock", extraArgs: ["--compat"] });
    const compatVerdicts = Object.fromEntries(compat.clauses.map((c) => [c.id, c.verdict]));
    expect({ real, compat: compatVerdicts }).toEqual({ real: want, compat: want });
  }, 120_000);
});
