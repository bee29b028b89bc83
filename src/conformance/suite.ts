import { CLAUSES } from "./clauses";
import { runConformance } from "./run";
import type { ConformanceReport } from "./types";

/** The parts of a test runner's API the suite registers its tests with (Jest's and Vitest's alike). */
export interface SuiteApi {
  beforeAll(fn: () => Promise<void>, timeout?: number): void;
  describe(name: string, fn: () => void): void;
  test(name: string, fn: () => void): void;
}

/**
 * Judges one clause's result in the runner's own file (a failure's stack
 * frame then names that file, which the runner shows): `fail` and `error`
 * fail, `pass` and `n/a` pass.
 */
export type ClauseCheck = (result: { verdict: string; evidence: string }) => void;

/**
 * The conformance suite as a test runner's project: it reads
 * WORKER_ORCD_BIN (default "mock"), WORKER_ORCD_MODEL,
 * WORKER_ORCD_GPU_DEVICE, WORKER_ORCD_CONFORMANCE_ARGS (space-separated
 * worker arguments, e.g. "--compat") and WORKER_ORCD_CONFORMANCE_ALLOW
 * (clause ids whose failure does not fail the run). One test per clause: a
 * `fail` or `error` verdict fails it; `n/a` passes with the reason in its
 * evidence.
 */
export function conformanceSuite(
  api: SuiteApi,
  check: ClauseCheck,
  env: NodeJS.ProcessEnv = process.env,
): void {
  const binary = env.WORKER_ORCD_BIN || "mock";
  const allow = (env.WORKER_ORCD_CONFORMANCE_ALLOW ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  let report: ConformanceReport | undefined;
  let startError: Error | undefined;

  api.beforeAll(async () => {
    try {
      report = await runConformance({
        binary,
        model:
          env.WORKER_ORCD_MODEL ||
          (binary === "mock" ? "mock" : ".test-models/qwen/qwen2.5-0.5b-instruct-q4_k_m.gguf"),
        gpuDevice: Number(env.WORKER_ORCD_GPU_DEVICE ?? 0),
        extraArgs: (env.WORKER_ORCD_CONFORMANCE_ARGS ?? "").split(/\s+/).filter(Boolean),
      });
    } catch (error) {
      startError = error as Error;
    }
  }, 600_000);

  api.describe(`worker-orcd conformance (${binary})`, () => {
    for (const clause of CLAUSES)
      api.test(`${clause.id} (${clause.level}): ${clause.title}`, () => {
        if (startError) throw startError;
        const result = report!.clauses.find((c) => c.id === clause.id)!;
        if (allow.includes(clause.id)) return;
        check({ verdict: result.verdict, evidence: result.evidence });
      });
  });
}
