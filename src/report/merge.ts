import { readFileSync } from "node:fs";
import { basename, dirname } from "node:path";
import { reportProblem } from "./baseline-file";
import { totalsOf, withMetrics } from "./build";
import type { RunReport } from "./types";

/** A shard's report read from disk; throws an `Error` naming the file and what is wrong. */
export function readShard(path: string): RunReport {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    throw new Error(
      `${path}: ${e.code === "ENOENT" ? "no such file" : `cannot be read as JSON (${e.message})`}`,
    );
  }
  const problem = reportProblem(parsed, false);
  if (problem) throw new Error(`${path} is not a worker-orcd-report.json: ${problem}`);
  return parsed as RunReport;
}

/**
 * The reports of the shards of one run (`--shard i/n` over a CI matrix) as
 * one report: every file, with the shard report it came from and that
 * shard's machine and GPU; totals recomputed over all of them (workers
 * started summed from the shards'). The merged report's machine, GPU and
 * package are the first shard's; where the shards differ in any of them,
 * `merged.differences` says so, a line each, and each file keeps its
 * shard's own; `date` is the latest.
 */
export function mergeReports(shards: { path: string; report: RunReport }[]): RunReport {
  if (shards.length === 0)
    throw new Error("nothing to merge: give the worker-orcd-report.json of each shard");
  const files = shards.flatMap(({ path, report }) =>
    report.files.map((f) => ({
      ...f,
      shard: f.shard ?? {
        report: shardLabel(path),
        machine: machineLabel(report),
        gpu: report.gpu?.name ?? "no GPU",
        version: report.package?.version,
      },
    })),
  );
  const differences: string[] = [];
  const facts: Array<[string, (r: RunReport) => string]> = [
    ["machine", machineLabel],
    ["GPU", (r) => r.gpu?.name ?? "no GPU"],
    ["package version", (r) => `${r.package?.name ?? "?"} ${r.package?.version ?? "?"}`],
  ];
  for (const [what, of] of facts) {
    const values = new Map<string, string[]>();
    for (const { path, report } of shards)
      values.set(of(report), [...(values.get(of(report)) ?? []), shardLabel(path)]);
    if (values.size > 1)
      differences.push(
        `the shards ran on ${values.size} different ${what}s: ${[...values].map(([v, from]) => `${v} (${from.join(", ")})`).join("; ")}`,
      );
  }
  const seen = new Map<string, string>();
  for (const f of files) {
    const other = seen.get(f.file);
    if (other !== undefined)
      throw new Error(
        `${f.file} is in two shard reports (${other} and ${f.shard.report}): merge the shards of one run, each once`,
      );
    seen.set(f.file, f.shard.report);
  }
  const first = shards[0].report;
  const started = shards.reduce((n, s) => n + (s.report.totals?.workersStarted ?? 0), 0);
  return {
    ...first,
    date:
      shards
        .map((s) => s.report.date)
        .sort()
        .at(-1) ?? first.date,
    // Each shard marked its own warm-up jobs and SLO misses (its workers are its own): the merge keeps them.
    ...withMetrics(
      files.sort((a, b) => a.file.localeCompare(b.file)),
      first.settings ?? { warmupJobs: 1 },
    ),
    totals: totalsOf(files, started),
    merged: { shards: shards.length, differences },
  };
}

/** A report's machine as a merged report names it: `host (2 x CPU model)`. */
function machineLabel(r: RunReport): string {
  return `${r.machine.hostname} (${r.machine.cpus} x ${r.machine.cpuModel})`;
}

/** A shard report's name for the merged report: its folder and file (`shard-1/worker-orcd-report.json`). */
function shardLabel(path: string): string {
  return `${basename(dirname(path))}/${basename(path)}`;
}
