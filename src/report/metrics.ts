import type { JobRecord } from "../client/job-stats";
import { type Distribution, distributionOf } from "../util/distribution";
import { LogHistogram } from "../util/log-histogram";

/** Latency bounds a job meets or misses (any subset); see {@link sloMisses}. */
export interface SloBounds {
  /** Time to first token, ms. */
  ttftMs?: number;
  /** Time per output token, ms. */
  tpotMs?: number;
  /** End-to-end latency, ms. */
  e2eMs?: number;
}

export const SLO_KEYS = ["ttftMs", "tpotMs", "e2eMs"] as const;

/** What a job measured, as the SLO bounds read it. */
export interface JobLatency {
  ttftMs?: number;
  tpotMs?: number;
  e2eMs: number;
}

/**
 * The bounds of `slo` that a job missed, as phrases (`"TTFT 812 ms > 500 ms"`).
 * A job without a first token misses a TTFT bound; a job of one token meets
 * any TPOT bound (there is no second token to time).
 */
export function sloMisses(job: JobLatency, slo: SloBounds): string[] {
  const missed: string[] = [];
  const ms = (v: number) => `${Math.round(v * 10) / 10} ms`;
  if (slo.ttftMs !== undefined && !(job.ttftMs !== undefined && job.ttftMs <= slo.ttftMs))
    missed.push(job.ttftMs === undefined ? "TTFT (no token)" : `TTFT ${ms(job.ttftMs)} > ${ms(slo.ttftMs)}`);
  if (slo.tpotMs !== undefined && job.tpotMs !== undefined && job.tpotMs > slo.tpotMs)
    missed.push(`TPOT ${ms(job.tpotMs)} > ${ms(slo.tpotMs)}`);
  if (slo.e2eMs !== undefined && job.e2eMs > slo.e2eMs)
    missed.push(`e2e ${ms(job.e2eMs)} > ${ms(slo.e2eMs)}`);
  return missed;
}

/** The statistics of a set of jobs (a file's or a run's), warm-up jobs left out. */
export interface Metrics {
  /** Jobs counted (warm-up left out). */
  jobs: number;
  /** Warm-up jobs left out. */
  warmupJobs: number;
  ttfbMs?: Distribution;
  ttftMs?: Distribution;
  /** Inter-token latency over every gap between tokens of the counted jobs. */
  itlMs?: Distribution;
  /** The gaps between network chunks that carried tokens, each job's p50 (see the README). */
  chunkGapMs?: Distribution;
  tpotMs?: Distribution;
  e2eMs?: Distribution;
  /** Output tokens/s of each job. */
  tokensPerSec?: Distribution;
  /** Output tokens of the counted jobs over their busy time (the union of their spans). */
  outputTokensPerSec?: number;
  requestsPerSec?: number;
  busyMs: number;
  /** With an `slo`: the share of counted jobs that met every bound. */
  goodput?: { met: number; of: number; share: number };
}

/** The union of the jobs' spans, ms (jobs of several workers overlap). */
function busyMs(jobs: JobRecord[]): number {
  const spans = jobs
    .filter((j) => typeof j.startedAt === "number")
    .map((j) => [j.startedAt!, j.startedAt! + j.totalMs] as const)
    .sort((a, b) => a[0] - b[0]);
  let total = 0;
  let end = Number.NEGATIVE_INFINITY;
  for (const [s, e] of spans) {
    if (s > end) total += e - s;
    else if (e > end) total += e - end;
    end = Math.max(end, e);
  }
  return total;
}

/** The statistics of `all` (warm-up jobs, marked `warmup`, left out). */
export function metricsOf(all: JobRecord[]): Metrics {
  const jobs = all.filter((j) => !j.warmup);
  const itl = LogHistogram.of(jobs.flatMap((j) => (j.itl ? [j.itl] : [])));
  const busy = busyMs(jobs);
  const tokens = jobs.reduce((n, j) => n + j.tokens, 0);
  const judged = jobs.filter((j) => Array.isArray(j.sloMissed));
  const met = judged.filter((j) => j.sloMissed!.length === 0).length;
  const r = (v: number) => Math.round(v * 100) / 100;
  return {
    jobs: jobs.length,
    warmupJobs: all.length - jobs.length,
    ttfbMs: distributionOf(jobs.map((j) => j.ttfbMs)),
    ttftMs: distributionOf(jobs.map((j) => j.ttftMs)),
    itlMs:
      itl.count > 0
        ? {
            n: itl.count,
            mean: r(itl.sum / itl.count),
            min: r(itl.min),
            max: r(itl.max),
            p50: r(itl.quantile(0.5)!),
            p90: r(itl.quantile(0.9)!),
            p95: r(itl.quantile(0.95)!),
            p99: r(itl.quantile(0.99)!),
          }
        : undefined,
    chunkGapMs: distributionOf(jobs.map((j) => j.chunkGapMs?.p50)),
    tpotMs: distributionOf(jobs.map((j) => j.tpotMs)),
    e2eMs: distributionOf(jobs.map((j) => j.totalMs)),
    tokensPerSec: distributionOf(jobs.map((j) => j.tokensPerSec)),
    outputTokensPerSec: busy > 0 ? r((tokens / busy) * 1000) : undefined,
    requestsPerSec: busy > 0 ? r((jobs.length / busy) * 1000) : undefined,
    busyMs: r(busy),
    goodput: judged.length > 0 ? { met, of: judged.length, share: r(met / judged.length) } : undefined,
  };
}

/** How the run report reads its jobs: warm-up jobs per worker, and the SLO. */
export interface MarkOptions {
  /** The first this many jobs of each worker in the run are warm-up (default 1; 0 keeps all). */
  warmupJobs?: number;
  slo?: SloBounds;
  /** The run's start (epoch ms); jobs' `startMs` count from it. Default: the first job's start. */
  runStart?: number;
}

/**
 * Marks the jobs of a run in place: the first `warmupJobs` of each worker
 * (by base URL, in start order) as warm-up, each job's start relative to the
 * run's, and, with an `slo`, the bounds each job missed.
 */
export function markJobs(jobs: JobRecord[], options: MarkOptions = {}): void {
  const warm = options.warmupJobs ?? 1;
  const starts = jobs.map((j) => j.startedAt).filter((t): t is number => typeof t === "number");
  const runStart = options.runStart ?? (starts.length ? Math.min(...starts) : undefined);
  const byWorker = new Map<string, JobRecord[]>();
  for (const j of jobs) byWorker.set(j.worker, [...(byWorker.get(j.worker) ?? []), j]);
  for (const list of byWorker.values()) {
    list.sort((a, b) => (a.startedAt ?? 0) - (b.startedAt ?? 0));
    list.forEach((j, k) => {
      if (k < warm) j.warmup = true;
      else delete j.warmup;
    });
  }
  for (const j of jobs) {
    if (runStart !== undefined && typeof j.startedAt === "number")
      j.startMs = Math.round((j.startedAt - runStart) * 10) / 10;
    if (options.slo)
      j.sloMissed = sloMisses({ ttftMs: j.ttftMs, tpotMs: j.tpotMs, e2eMs: j.totalMs }, options.slo);
  }
}
