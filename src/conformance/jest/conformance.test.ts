/**
 * The conformance suite as a Jest project: add `require.resolve("worker-orcd-jest/conformance")`
 * to `projects`. It reads WORKER_ORCD_BIN (default "mock"), WORKER_ORCD_MODEL,
 * WORKER_ORCD_GPU_DEVICE, WORKER_ORCD_CONFORMANCE_ARGS (space-separated worker
 * arguments, e.g. "--compat") and WORKER_ORCD_CONFORMANCE_ALLOW (clause ids
 * whose failure does not fail the run). One test per clause: a `fail` or
 * `error` verdict fails it; `n/a` passes with the reason in its evidence.
 */
import { beforeAll, describe, expect, test } from "@jest/globals";
import { CLAUSES } from "../clauses";
import { runConformance } from "../run";
import type { ConformanceReport } from "../types";

const env = process.env;
const binary = env.WORKER_ORCD_BIN || "mock";
const allow = (env.WORKER_ORCD_CONFORMANCE_ALLOW ?? "")
  .split(",")
  .map((s) => s.trim())
  .filter(Boolean);
let report: ConformanceReport | undefined;
let startError: Error | undefined;

beforeAll(async () => {
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

describe(`worker-orcd conformance (${binary})`, () => {
  test.each(CLAUSES.map((c) => [`${c.id} (${c.level}): ${c.title}`, c.id]))("%s", (_name, id) => {
    if (startError) throw startError;
    const result = report!.clauses.find((c) => c.id === id)!;
    if (allow.includes(id as string)) return;
    expect({ verdict: result.verdict, evidence: result.evidence }).toEqual({
      verdict: expect.stringMatching(/^(pass|n\/a)$/),
      evidence: result.evidence,
    });
  });
});
