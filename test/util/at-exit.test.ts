import { spawn, spawnSync } from "node:child_process";
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

  it("with atSignalToo, runs the hooks once at that signal too, and the process still dies of it", async () => {
    const script = (own: boolean) => `
const { atExit, atSignalToo } = require(${JSON.stringify(DIST)});
${own ? 'process.on("SIGTERM", () => { process.stdout.write("own "); process.exit(0); });' : ""}
atExit(() => process.stdout.write("hook"));
atSignalToo("SIGTERM");
process.stdout.write("up ");
setInterval(() => {}, 1000);
`;
    const run = (own: boolean) =>
      new Promise<{ out: string; code: number | null; signal: string | null }>((resolve) => {
        const child = spawn(process.execPath, ["-e", script(own)]);
        let out = "";
        child.stdout.on("data", (d) => {
          out += d;
          if (out === "up ") child.kill("SIGTERM");
        });
        child.on("exit", (code, signal) => resolve({ out, code, signal }));
      });
    expect(await run(false)).toEqual({ out: "up hook", code: null, signal: "SIGTERM" });
    // A process that listens for the signal itself decides what it means: its exit runs the hooks as usual.
    expect(await run(true)).toEqual({ out: "up own hook", code: 0, signal: null });
  });
});
