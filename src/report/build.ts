import { readdirSync, readFileSync } from "node:fs";
import { cpus, hostname, platform, totalmem } from "node:os";
import { join } from "node:path";
import type { SharedState, WorkerUse } from "../run/state";
import { packageInfo } from "../util/package-info";
import { percentiles } from "../util/percentiles";
import { type MarkOptions, markJobs, metricsOf } from "./metrics";
import type { FileRecord, RunReport } from "./types";
import { measuredStartup } from "./worker-record";

/** The file records test files left in `dir`, sorted by file name. */
export function readFileRecords(dir: string): FileRecord[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith(".json"));
  } catch {
    return [];
  }
  const records: FileRecord[] = [];
  for (const name of names) {
    try {
      records.push(JSON.parse(readFileSync(join(dir, name), "utf8")));
    } catch {
      // a file cut off by a killed Jest worker: left out
    }
  }
  return records.sort((a, b) => a.file.localeCompare(b.file));
}

/** The whole run's report from the files' records and global setup's state. */
export function buildReport(
  files: FileRecord[],
  state: SharedState | undefined,
  date = new Date(),
  workerLog?: WorkerUse,
  mark: MarkOptions = {},
): RunReport {
  markJobs(
    files.flatMap((f) => f.jobs),
    mark,
  );
  const gpu = state?.gpu?.gpus?.[0];
  const model = state?.models?.[0];
  return {
    schema: 1,
    package: packageInfo(),
    date: date.toISOString(),
    machine: {
      hostname: hostname(),
      platform: `${platform()} ${process.arch}`,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? "unknown",
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
    },
    gpu: gpu
      ? {
          name: gpu.name,
          driver: gpu.driverVersion,
          cuda: state?.gpu.cudaVersion,
          memoryTotalMiB: gpu.memoryTotalMiB,
          memoryFreeMiB: gpu.memoryFreeMiB,
        }
      : null,
    model: model ? { path: model.path, bytes: model.bytes, architecture: model.header?.architecture } : null,
    ...withMetrics(files, { warmupJobs: mark.warmupJobs ?? 1, ...(mark.slo ? { slo: mark.slo } : {}) }),
    totals: totalsOf(files, workerLog?.started),
  };
}

/** The files with their statistics, the run's statistics, and how the jobs were read. */
export function withMetrics(
  files: FileRecord[],
  settings: NonNullable<RunReport["settings"]>,
): Pick<RunReport, "files" | "settings" | "metrics"> {
  for (const f of files) f.metrics = metricsOf(f.jobs);
  return { files, settings, metrics: metricsOf(files.flatMap((f) => f.jobs)) };
}

/**
 * A report's totals from its files. `workersStarted` comes from the run's
 * worker log where there is one (the summary line reads it too: it also knows
 * spares and workers given back unused, which no file's record shows); else
 * from the files' records.
 */
export function totalsOf(files: FileRecord[], workersStarted?: number): RunReport["totals"] {
  const jobs = files.flatMap((f) => f.jobs);
  const started = files.flatMap((f) => f.workers).filter((w) => !w.reused && w.kind !== "attached");
  // One definition of every figure: warm-up jobs are left out, as from the run's statistics and the gate.
  const counted = jobs.filter((j) => !j.warmup);
  const ttft = percentiles(counted.map((j) => j.ttftMs));
  return {
    files: files.length,
    workersStarted: workersStarted ?? started.length,
    jobs: jobs.length,
    tokens: jobs.reduce((n, j) => n + j.tokens, 0),
    ttftP50: ttft.p50,
    ttftP95: ttft.p95,
    tokensPerSecP50: percentiles(counted.map((j) => j.tokensPerSec)).p50,
    startupP50: percentiles(started.filter(measuredStartup).map((w) => w.startupMs)).p50,
  };
}
