import { expect, it } from "@jest/globals";
import { compareBuildsMain } from "../../src/builds/cli";
import { describeRealBuild, REAL_BIN, TINY_GGUF } from "../helpers/real-build";
import { sink } from "../helpers/sink";

// The real build against the mock's compat mode: only the tokens differ (the stand-in walks its own sentence);
// endings, rejections, cancel and the log's format agree.
describeRealBuild("compare-builds against build 5d6c9a4a", () => {
  it("the real binary and compat mode differ in their tokens alone", async () => {
    const out = sink();
    const err = sink();
    const code = await compareBuildsMain(
      ["--bin", REAL_BIN, "--bin", "mock-compat", "--model", TINY_GGUF],
      out.stream,
      err.stream,
    );
    expect(err.text()).toBe("");
    expect(code).toBe(1);
    expect(out.text()).toMatch(/5 probe\(s\) differ: seeded, greedy, stop-sequence, utf8, long$/m);
    expect(out.text()).toMatch(/^ {2}seeded: tokens part at #0 .*A \["Hello"\] "Ġworld"/m);
    expect(out.text()).not.toMatch(/ending: A/);
    for (const probe of ["cancel", "invalid-fields", "missing-field", "log-format"])
      expect(out.text()).toMatch(new RegExp(`^${probe} .* same$`, "m"));
  }, 120_000);
});
