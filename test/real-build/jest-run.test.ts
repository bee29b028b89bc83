import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "@jest/globals";
import { workerRows, workersMain } from "../../src/scope/pool/workers-cli";
import { isAlive } from "../../src/worker/processes";
import { scopeProjects } from "../helpers/jest-run";
import { describeRealBuild, REAL_BIN, TINY_GGUF } from "../helpers/real-build";

// The real build under the preset in a real Jest run: mode "real", both scopes; its death by
// SIGTERM at teardown is expected and never reported as a crash of the last test.

const { project, remove } = scopeProjects();
afterAll(remove);

const FILE = `test("streams BPE tokens", async () => {
  const events = await worker.execute({ job_id: "j", prompt: "hello", max_tokens: 3 });
  expect(worker.kind).toBe("real");
  expect(events).toHaveTokenCount(3);
  expect(events.filter((e) => e.type === "token").map((e) => e.t)).toEqual(["Hello", "Ġworld", "Ġfrom"]);
  expect(worker.startupMs).toBeGreaterThan(0);
});
test("the last test", async () => { expect(await worker.health()).toBeHealthy(); });
`;

describeRealBuild("the real worker-orcd under the preset", () => {
  it.each([["file"], ["process"]])(
    "scope %s: passes, and the SIGTERM death at teardown is no crash",
    async (scope) => {
      const p = project({ mode: "real", binary: REAL_BIN, model: TINY_GGUF, scope, shutdownGraceMs: 2000 });
      p.write("a.test.js", FILE);
      p.write("b.test.js", FILE);
      const result = await p.run(["-i"]);
      expect(result.out).toMatch(/worker-orcd-jest: real worker \(mode is real\)/);
      expect(result.out).toMatch(/Tests: +4 passed, 4 total/);
      expect(result.out).not.toMatch(/killed by signal|crash|exited with code/);
      expect(result.code).toBe(0);
      expect(await p.survivors(3000)).toEqual([]);
    },
    60_000,
  );

  it("the run report records the unstreamed stream: TTFT is the whole job, streamed false", async () => {
    const p = project({
      mode: "real",
      binary: REAL_BIN,
      model: TINY_GGUF,
      env: { FAKE_GPU_TOKEN_DELAY_MS: "30" },
    });
    // A warm-up job first: the note counts the jobs the figures count.
    p.write(
      "a.test.js",
      FILE.replace(
        "const events = await",
        'await worker.execute({ job_id: "w", prompt: "hi", max_tokens: 3 });\n  const events = await',
      ),
    );
    const result = await p.run([], { WORKER_ORCD_REPORT_DIR: "out" });
    expect(result.code).toBe(0);
    const report = JSON.parse(
      require("node:fs").readFileSync(`${p.dir}/out/worker-orcd-report.json`, "utf8"),
    );
    const job = report.files[0].jobs.find((j: { jobId: string }) => j.jobId === "j");
    expect(job).toMatchObject({ streamed: false, tokens: 3 });
    expect(job.ttftMs).toBeGreaterThanOrEqual(80); // 3 tokens at 30 ms, all sent at the end
    expect(job.totalMs - job.ttftMs).toBeLessThan(20);
    expect(result.out).toMatch(
      /not streamed \(every token arrived at once, so TTFT is the whole job's time\): a\.test\.js \(1 of 1 job\(s\)\)/,
    );
  }, 60_000);
});

describeRealBuild("attached to the real worker-orcd", () => {
  it("files attach to a running real build, which blocks while busy, and leave it running", async () => {
    const { startReal, stopRealWorkers } =
      require("../helpers/real-build") as typeof import("../helpers/real-build");
    try {
      const w = await startReal({ env: { FAKE_GPU_TOKEN_DELAY_MS: "20" } });
      const p = project({ url: w.baseUrl });
      p.write("a.test.js", FILE.replace('toBe("real")', 'toBe("attached")'));
      p.write("b.test.js", FILE.replace('toBe("real")', 'toBe("attached")'));
      const result = await p.run(["-i"]);
      expect(result.out).toMatch(/Tests: +4 passed, 4 total/);
      expect(result.out).toMatch(/healthy \(VRAM 0 MiB\)/);
      expect(w.exit).toBeUndefined();
    } finally {
      await stopRealWorkers();
    }
  }, 60_000);

  it("reuse: the real build is left warm in the pool and the next run takes it", async () => {
    const pool = mkdtempSync(join(tmpdir(), "wojest-pool-"));
    const sink = { write: () => true } as unknown as NodeJS.WritableStream;
    try {
      const p = project({
        mode: "real",
        binary: REAL_BIN,
        model: TINY_GGUF,
        reuse: true,
        shutdownGraceMs: 2000,
      });
      p.write("a.test.js", FILE);
      const env = { WORKER_ORCD_JEST_POOL: pool };
      const first = await p.run(["-i"], env);
      expect(first.out).toMatch(/Tests: +2 passed, 2 total/);
      expect(first.out).toMatch(/scope "process": 1 worker\(s\) started for 1 file\(s\)/);
      const [row] = workerRows(pool);
      expect(row).toMatchObject({ state: "idle", mode: "real" });
      const second = await p.run(["-i"], env);
      expect(second.out).toMatch(/Tests: +2 passed, 2 total/);
      expect(second.out).toMatch(/scope "process": 0 worker\(s\) started for 1 file\(s\)/);
      expect(workerRows(pool).map((r) => r.pid)).toEqual([row.pid]);
      await workersMain(["stop", "--all"], sink, sink, pool);
      expect(isAlive(row.pid)).toBe(false);
    } finally {
      await workersMain(["stop", "--all", "--force"], sink, sink, pool);
      rmSync(pool, { recursive: true, force: true });
    }
  }, 60_000);
});
