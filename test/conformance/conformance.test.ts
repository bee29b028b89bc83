import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "@jest/globals";
import { WorkerClient } from "../../src/client/worker-client";
import { CLAUSES } from "../../src/conformance/clauses";
import { formatMarkdown } from "../../src/conformance/report";
import { runConformance } from "../../src/conformance/run";
import type { ClauseContext, ConformanceReport } from "../../src/conformance/types";
import { REPO, runJest } from "../helpers/jest-run";

const dir = mkdtempSync(join(tmpdir(), "wojest-conformance-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const verdicts = (report: ConformanceReport) =>
  Object.fromEntries(report.clauses.map((c) => [c.id, c.verdict]));
const withFault = (fault: string) =>
  runConformance({ binary: "mock", model: "mock", start: { env: { WORKER_ORCD_MOCK_FAULT: fault } } });

/** Runs the CLI; resolves with its exit code and output. */
function cli(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(REPO, "dist", "cli.js"), ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("exit", (code) => resolve({ code, out }));
  });
}

/** A /health server that answers after `delayMs`, for judging TIMING-HEALTH alone. */
async function slowHealth(delayMs: number) {
  const server = createServer((_req, res) => {
    setTimeout(
      () => res.writeHead(200, { "content-type": "application/json" }).end('{"status":"healthy"}'),
      delayMs,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const client = new WorkerClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  const clause = CLAUSES.find((c) => c.id === "TIMING-HEALTH")!;
  try {
    return await clause.check({ client } as unknown as ClauseContext);
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

describe("TIMING-HEALTH judges the worker's own time, not the host's", () => {
  it("fails a /health that takes 25 ms, passes one that answers at once, and prints both sides of each pair", async () => {
    const slow = await slowHealth(25);
    expect(slow.verdict).toBe("fail");
    expect(slow.evidence).toMatch(/the worker's own time \(the difference of the p95s\) [\d.]+ ms/);
    const quick = await slowHealth(0);
    expect(quick.verdict).toBe("pass");
    expect(quick.evidence).toMatch(/the same client to an instant \/health in this process p50 [\d.]+ ms/);
  });
});

describe("the conformance report", () => {
  it("names at least the clauses the issue lists, with exactly those ids", () => {
    const ids = CLAUSES.map((c) => c.id);
    for (const id of [
      "CALLBACK-BODY",
      "HEALTH-FULL",
      "HEALTH-WHILE-BUSY",
      "EXEC-400-ALL-FIELDS",
      "EXEC-400-MISSING-FIELD",
      "SSE-EVENT-NAMES",
      "SSE-ORDER",
      "SSE-STREAMED",
      "STOP-REASON-CASE",
      "END-TOKENS-OUT",
      "STOP-SEQUENCE",
      "CANCEL-ROUTE",
      "BUSY-503",
      "SHUTDOWN-ROUTE",
      "SHUTDOWN-SIGTERM",
      "METRICS-ROUTE",
      "ERROR-RETRIABLE",
      "DETERMINISM-SEED",
      "SHUTDOWN-DRAIN",
    ])
      expect(ids).toContain(id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("the mock passes every clause, DETERMINISM-SEED and SHUTDOWN-DRAIN saying what they saw", async () => {
    const report = await runConformance({ binary: "mock", model: "mock" });
    expect(report.clauses.filter((c) => c.verdict !== "pass")).toEqual([]);
    expect(report.failedMust).toEqual([]);
    const evidence = (id: string) => report.clauses.find((c) => c.id === id)!.evidence;
    expect(evidence("DETERMINISM-SEED")).toMatch(
      /the same 24 token\(s\) ".+"; seed 4321 parts from them at token #\d+$/,
    );
    expect(evidence("SHUTDOWN-DRAIN")).toMatch(
      /^SIGTERM to pid only: exited after \d+ ms with code 0; no process of its tree left; VRAM not read \(nvidia-smi not found\); running job conf-drain: \d+ event\(s\), the last "end"; a new job got HTTP 503$/,
    );
  }, 60_000);

  it("compat mode scores exactly what build 5d6c9a4a scores by its source (reviewed fixture)", async () => {
    const expected = JSON.parse(
      readFileSync(join(__dirname, "..", "fixtures", "conformance-5d6c9a4a.json"), "utf8"),
    );
    const report = await runConformance({ binary: "mock", model: "mock", extraArgs: ["--compat"] });
    const want = Object.fromEntries(
      Object.entries(expected.clauses).map(([id, c]) => [id, (c as { verdict: string }).verdict]),
    );
    expect(verdicts(report)).toEqual(want);
  }, 60_000);

  it.each([
    ["no-event-lines", { "SSE-EVENT-NAMES": "fail" }],
    ["buffered", { "SSE-STREAMED": "fail", "TIMING-INTER-TOKEN": "n/a" }],
    ["no-cancel-route", { "CANCEL-ROUTE": "fail", "ERROR-RETRIABLE": "n/a", "TIMING-CANCEL": "n/a" }],
  ])(
    "a worker that breaks one clause on purpose (%s) fails that clause and passes the others",
    async (fault, changed) => {
      const report = await withFault(fault);
      const want = Object.fromEntries(
        CLAUSES.map((c) => [c.id, (changed as Record<string, string>)[c.id] ?? "pass"]),
      );
      expect(verdicts(report)).toEqual(want);
    },
    60_000,
  );

  it.each([
    [
      "ignore-seed",
      "DETERMINISM-SEED",
      /^4 runs of seed 1234 at temperature 0\.8, the last on a restarted worker: run 2 parts from run 1 at token #\d+: run 1: .*\[".*"\].*; run 2: .*\[".*"\]/,
    ],
    [
      "orphan-child",
      "SHUTDOWN-DRAIN",
      /exited after \d+ ms with code 0; 1 process\(es\) left: pid \d+ ".*worker-orcd-mock-orphan".*running job conf-drain: \d+ event\(s\), the last "end"; a new job got HTTP 503; problems: pid \d+ .* outlived it/,
    ],
  ])(
    "a mock that breaks determinism or a clean stop on purpose (%s) fails %s, naming how",
    async (fault, id, evidence) => {
      const report = await runConformance({
        binary: "mock",
        model: "mock",
        only: [id],
        start: { env: { WORKER_ORCD_MOCK_FAULT: fault } },
      });
      expect(report.clauses[0]).toMatchObject({ id, verdict: "fail" });
      expect(report.clauses[0].evidence).toMatch(evidence);
    },
    60_000,
  );

  it("a clause about a running job says it could not judge when the job ended before the probe, and how to slow the worker", async () => {
    // Like the CPU build at its own pace: a job is over in a moment and its stream is written after it (compat),
    // so the probe never meets a running job.
    const report = await runConformance({
      binary: "mock",
      model: "mock",
      extraArgs: ["--compat", "--token-interval-ms", "0"],
      only: ["BUSY-503", "HEALTH-WHILE-BUSY"],
    });
    for (const clause of report.clauses) {
      expect(clause.verdict).toBe("error");
      expect(clause.evidence).toMatch(
        /^not judged: job conf-busy(-health)? had already ended when the probe was sent \(it ran [\d.]+ ms from request to its last event\).*--env FAKE_GPU_TOKEN_DELAY_MS=30/,
      );
    }
  }, 60_000);

  it("the CLI prints the table, writes JSON and Markdown, and exits 0, 1 or 2", async () => {
    const json = join(dir, "report.json");
    const md = join(dir, "report.md");
    const ok = await cli([
      "conformance",
      "--bin",
      "mock",
      "--only",
      "SSE-ORDER,BUSY-503",
      "--json",
      json,
      "--markdown",
      md,
    ]);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/SSE-ORDER +MUST +pass/);
    const report = JSON.parse(readFileSync(json, "utf8"));
    expect(report).toMatchObject({
      worker: { binary: "mock" },
      fingerprint: {
        binary: { path: "mock", sha256: expect.stringMatching(/^mock /) },
        model: { path: "mock" },
        command: expect.stringContaining("--worker-id"),
        versions: { node: process.version },
      },
      summary: { pass: 2, fail: 0, "n/a": 0, error: 0 },
    });
    expect(report.clauses.map((c: { id: string }) => c.id)).toEqual(["SSE-ORDER", "BUSY-503"]);
    expect(readFileSync(md, "utf8")).toMatch(/\| `BUSY-503` \| MUST \| ✅ pass \|/);

    const bad = await cli([
      "conformance",
      "--bin",
      "mock",
      "--compat",
      "--only",
      "STOP-REASON-CASE,SSE-ORDER",
    ]);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/MUST clauses failed or not judged: STOP-REASON-CASE/);
    const allowed = await cli([
      "conformance",
      "--bin",
      "mock",
      "--compat",
      "--only",
      "STOP-REASON-CASE",
      "--allow",
      "STOP-REASON-CASE",
    ]);
    expect(allowed.code).toBe(0);

    const unknown = await cli(["conformance", "--bin", "mock", "--only", "NO-SUCH"]);
    expect(unknown.code).toBe(2);
    expect(unknown.out).toMatch(/--only: unknown clause id\(s\) NO-SUCH; known: CALLBACK-BODY/);
    const missing = await cli([
      "conformance",
      "--bin",
      join(dir, "no-such-worker"),
      "--model",
      join(dir, "m.gguf"),
    ]);
    expect(missing.code).toBe(2);
    // The CLI speaks in its own flags, not in Jest settings.
    expect(missing.out).toMatch(
      /--bin .*no-such-worker: no such file .*give the path of a worker-orcd executable, or --bin mock/,
    );
    expect(missing.out).not.toMatch(/WORKER_ORCD_BIN|mode "mock"|exited with code null/);
    expect((await cli(["conformance"])).code).toBe(2);
    expect(existsSync(join(dir, "no-such-worker"))).toBe(false);
  }, 60_000);

  it("the CLI fails a worker whose streams never end, says what it waited for, and takes --arg as documented", async () => {
    const stalled = await cli([
      "conformance",
      "--bin",
      "mock",
      "--arg",
      "--fault",
      "--arg",
      "stall-mid-stream:1",
      "--only",
      "SSE-ORDER,END-TOKENS-OUT",
      "--idle-timeout-ms",
      "500",
      "--startup-timeout-ms",
      "20000",
    ]);
    expect(stalled.code).toBe(1);
    expect(stalled.out).toMatch(
      /SSE-ORDER +MUST +error .*could not be judged: waited 500 ms for the stream of job "conf-sse" to end/,
    );
    expect(stalled.out).toMatch(/MUST clauses failed or not judged: SSE-ORDER, END-TOKENS-OUT/);
    const compat = await cli([
      "conformance",
      "--bin",
      "mock",
      "--arg",
      "--compat",
      "--only",
      "STOP-REASON-CASE",
    ]);
    expect(compat.out).not.toMatch(/ambiguous/);
    expect(compat.out).toMatch(/STOP-REASON-CASE +MUST +fail/); // compat mode's upper-case stop reasons: --compat arrived
    const bad = await cli(["conformance", "--bin", "mock", "--startup-timeout-ms", "soon"]);
    expect(bad.code).toBe(2);
    expect(bad.out).toMatch(/--startup-timeout-ms must be a whole number of milliseconds > 0, got "soon"/);
    const version = await cli(["--version"]);
    expect(version.out.trim()).toMatch(/^worker-orcd-jest \d+\.\d+\.\d+$/);
    const help = await cli(["--help"]);
    expect({ code: help.code, first: help.out.split("\n")[0] }).toEqual({
      code: 0,
      first: "commands: conformance, compare-builds, report, workers, write-model, --version, --help",
    });
    const none = await cli([]);
    expect(none.code).toBe(2);
    expect(none.out).toMatch(/^worker-orcd-jest: a command is required/);
  }, 60_000);

  it("runs as a Jest project users add to their own config", async () => {
    writeFileSync(
      join(dir, "jest.config.js"),
      `module.exports = { projects: [${JSON.stringify(join(REPO, "conformance.js"))}] };\n`,
    );
    // A mock broken in two clauses (cheaper than compat mode's whole run); the allowed one passes.
    const result = await runJest(dir, ["--config", join(dir, "jest.config.js")], {
      WORKER_ORCD_MOCK_FAULT: "no-event-lines,no-cancel-route",
      WORKER_ORCD_CONFORMANCE_ALLOW: "CANCEL-ROUTE",
    });
    expect(result.out).toMatch(
      /✕ SSE-EVENT-NAMES \(MUST\): every frame has an event: line equal to its JSON type/,
    );
    expect(result.out).toMatch(/✓ CANCEL-ROUTE \(MUST\)/); // allowed
    expect(result.out).toMatch(/✓ SSE-ORDER \(MUST\)/);
    expect(result.out).toMatch(/Tests: +1 failed, 22 passed, 23 total/);
    expect(result.code).toBe(1);
  }, 60_000);

  it("renders Markdown a CI job can post", () => {
    const md = formatMarkdown({
      worker: { binary: "mock", model: "mock", gpuDevice: 0, extraArgs: [] },
      clauses: [{ id: "SSE-ORDER", title: "t", level: "MUST", verdict: "fail", evidence: "a | b" }],
      summary: { pass: 0, fail: 1, "n/a": 0, error: 0 },
      failedMust: ["SSE-ORDER"],
    });
    expect(md).toMatch(/MUST clauses failed or not judged: `SSE-ORDER`/);
    expect(md).toMatch(/\| `SSE-ORDER` \| MUST \| ❌ fail \| a \\\| b \|/);
  });
});
