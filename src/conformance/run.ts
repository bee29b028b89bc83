import { fingerprintOf } from "../checks/fingerprint";
import { detectGpus } from "../checks/gpu";
import { clearTimeout, now, setTimeout } from "../util/clock";
import { MOCK_PACE } from "../worker/command";
import { WorkerProcess, type WorkerStartOptions } from "../worker/worker-process";
import { CLAUSES } from "./clauses";
import type { ClauseContext, ClauseResult, ConformanceOptions, ConformanceReport, Verdict } from "./types";

/** Longest one clause may take before it is an `error`. */
const CLAUSE_TIMEOUT_MS = 60_000;

/** Start options for the worker under test: the same lifecycle code as the Jest environment. */
function startOptions(o: ConformanceOptions): WorkerStartOptions {
  const pace = o.binary === "mock" ? MOCK_PACE : [];
  return {
    binary: o.binary,
    model: o.model,
    gpuDevice: o.gpuDevice ?? 0,
    startupTimeoutMs: o.startupTimeoutMs ?? 60_000,
    shutdownGraceMs: 6_000,
    requestTimeoutMs: 60_000,
    idleTimeoutMs: 30_000,
    ...o.start,
    extraArgs: [...pace, ...(o.extraArgs ?? [])],
  };
}

/** Checks that every id names a clause; throws a usage error naming the unknown ones. */
export function checkIds(ids: string[] | undefined, what: string): void {
  const unknown = (ids ?? []).filter((id) => !CLAUSES.some((c) => c.id === id));
  if (unknown.length > 0) {
    throw new RangeError(
      `${what}: unknown clause id(s) ${unknown.join(", ")}; known: ${CLAUSES.map((c) => c.id).join(", ")}`,
    );
  }
}

/**
 * Starts the worker, runs every clause (or `only`) against it, stops it, and
 * returns the report. A worker that cannot start rejects with its
 * `WorkerStartupError`. Nothing started is left running.
 */
export async function runConformance(
  o: ConformanceOptions,
  onClause?: (r: ClauseResult) => void,
): Promise<ConformanceReport> {
  checkIds(o.only, "--only");
  checkIds(o.allow, "--allow");
  const options = startOptions(o);
  const worker = await WorkerProcess.start(options);
  const fingerprint = fingerprintOf({
    binary: o.binary,
    model: o.model,
    device: options.gpuDevice,
    gpu: await detectGpus(),
    command: worker.command,
    envNames: Object.keys(options.env ?? {}),
    health: worker.readyHealth,
  });
  const extra: WorkerProcess[] = [];
  const ctx: ClauseContext = {
    worker,
    client: worker.client,
    streamTimeoutMs: options.idleTimeoutMs ?? 30_000,
    fresh: async () => {
      const w = await WorkerProcess.start(options);
      extra.push(w);
      return w;
    },
  };
  const results: ClauseResult[] = [];
  try {
    for (const clause of CLAUSES) {
      if (o.only && !o.only.includes(clause.id)) continue;
      const t0 = now();
      let timer: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([
        clause.check(ctx),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`the check took over ${CLAUSE_TIMEOUT_MS} ms`)),
            CLAUSE_TIMEOUT_MS,
          );
        }),
      ])
        .catch((error: Error) => ({
          verdict: "error" as Verdict,
          evidence: `could not be judged: ${error.message.split("\n")[0].slice(0, 300)}`,
        }))
        .finally(() => clearTimeout(timer));
      const result: ClauseResult = {
        id: clause.id,
        title: clause.title,
        level: clause.level,
        verdict: outcome.verdict,
        evidence: outcome.evidence,
        ms: Math.round(now() - t0),
      };
      results.push(result);
      onClause?.(result);
    }
  } finally {
    await Promise.all([worker.stop(), ...extra.map((w) => w.stop())]);
  }
  const summary: Record<Verdict, number> = { pass: 0, fail: 0, "n/a": 0, error: 0 };
  for (const r of results) summary[r.verdict]++;
  // A MUST clause that could not be judged (`error`) fails the gate too: a worker whose streams never end
  // must not pass for want of evidence.
  const failedMust = results
    .filter(
      (r) =>
        r.level === "MUST" &&
        (r.verdict === "fail" || r.verdict === "error") &&
        !(o.allow ?? []).includes(r.id),
    )
    .map((r) => r.id);
  return {
    worker: {
      binary: o.binary,
      model: o.model,
      gpuDevice: options.gpuDevice,
      command: worker.command,
      startupMs: worker.startupMs,
      extraArgs: [...(options.extraArgs ?? [])],
    },
    fingerprint,
    clauses: results,
    summary,
    failedMust,
  };
}
