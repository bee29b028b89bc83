import { readFileSync } from "node:fs";
import { isObject, kindOf } from "../util/json-shape";
import type { RunReport } from "./types";

/** What reading a baseline gave: the report, or why there is none to compare with. */
export type BaselineRead =
  | { kind: "report"; report: RunReport }
  /** The file does not exist (yet): the README's first run; not a failure. */
  | { kind: "missing"; message: string }
  /** The file exists but cannot be used: the run fails with this one-line message. */
  | { kind: "damaged"; message: string };

const optionalNumber = (v: unknown) =>
  v === undefined || v === null || (typeof v === "number" && Number.isFinite(v));

/**
 * The first thing wrong with a parsed report, as a phrase; undefined when it
 * is sound. `needFiles`: an empty `files` is wrong too (a baseline).
 */
export function reportProblem(b: unknown, needFiles = true): string | undefined {
  if (!isObject(b)) return `it holds ${kindOf(b)}, not a report object`;
  if (b.schema !== 1)
    return `"schema" is ${JSON.stringify(b.schema)}, expected 1 (a worker-orcd-report.json)`;
  if (!isObject(b.machine) || typeof b.machine.cpus !== "number" || typeof b.machine.cpuModel !== "string")
    return `"machine" must be an object with "cpus" (number) and "cpuModel" (string)`;
  if (b.gpu !== null && b.gpu !== undefined && (!isObject(b.gpu) || typeof b.gpu.name !== "string"))
    return `"gpu" must be null or an object with "name" (string)`;
  if (!Array.isArray(b.files)) return `"files" must be an array`;
  if (needFiles && b.files.length === 0)
    return `"files" is empty: it was written by a run that ran no test using a worker`;
  for (const [i, f] of b.files.entries()) {
    const at = `files[${i}]`;
    if (!isObject(f)) return `${at} is ${JSON.stringify(f)}, not a file record`;
    if (typeof f.file !== "string") return `${at}.file must be a string`;
    if (!Array.isArray(f.jobs)) return `${at}.jobs must be an array`;
    if (!Array.isArray(f.workers)) return `${at}.workers must be an array`;
    for (const [k, j] of f.jobs.entries()) {
      if (!isObject(j)) return `${at}.jobs[${k}] is ${JSON.stringify(j)}, not a job record`;
      if (j.test !== undefined && typeof j.test !== "string") return `${at}.jobs[${k}].test must be a string`;
      for (const key of ["ttftMs", "ttfbMs", "tpotMs", "tokensPerSec", "totalMs", "tokens"])
        if (!optionalNumber(j[key]))
          return `${at}.jobs[${k}].${key} is ${JSON.stringify(j[key])}, expected a number`;
    }
    for (const [k, w] of f.workers.entries()) {
      if (!isObject(w)) return `${at}.workers[${k}] is ${JSON.stringify(w)}, not a worker record`;
      if (!optionalNumber(w.startupMs))
        return `${at}.workers[${k}].startupMs is ${JSON.stringify(w.startupMs)}, expected a number`;
    }
  }
  return undefined;
}

/**
 * Reads and checks a baseline report. Every way it can be unusable is one
 * line naming the file and what is wrong; a file that does not exist yet is
 * told apart (with how to create it), so the README's order of steps
 * (set `baseline`, then write it) never fails a run.
 */
export function readBaseline(path: string, outputDir?: string): BaselineRead {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (e.code === "ENOENT") {
      const from = outputDir
        ? `${outputDir}/worker-orcd-report.json`
        : "worker-orcd-report.json (set outputDir)";
      return {
        kind: "missing",
        message: `worker-orcd-jest reporter: baseline ${path} does not exist yet, so nothing was compared; to create it, copy ${from} of a good run there`,
      };
    }
    return {
      kind: "damaged",
      message: `worker-orcd-jest reporter: baseline ${path} cannot be read: ${e.code ?? e.message}`,
    };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return {
      kind: "damaged",
      message: `worker-orcd-jest reporter: baseline ${path} is not JSON (${(error as Error).message}); write it again from a run's worker-orcd-report.json`,
    };
  }
  const wrong = reportProblem(parsed);
  if (wrong)
    return {
      kind: "damaged",
      message: `worker-orcd-jest reporter: baseline ${path} cannot be compared with: ${wrong}; write it again from a run's worker-orcd-report.json`,
    };
  return { kind: "report", report: parsed as RunReport };
}
