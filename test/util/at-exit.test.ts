import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "@jest/globals";

const DIST = join(__dirname, "..", "..", "dist", "util", "at-exit.js");

describe("atExit", () => {
  it("runs every hook once as the process exits, in order, past one that throws, and not one removed", () => {
    const script = `
const { atExit } = require(${JSON.stringify(DIST)});
atExit(() => process.stdout.write("first "));
atExit(() => { throw new Error("boom"); });
const remove = atExit(() => process.stdout.write("removed "));
atExit(() => process.stdout.write("last"));
remove();
process.stdout.write("running ");
`;
    const run = spawnSync(process.execPath, ["-e", script], { encoding: "utf8" });
    expect(run.stdout).toBe("running first last");
    expect(run.status).toBe(0);
  });
});
