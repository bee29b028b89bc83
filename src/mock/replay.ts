import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import type { ExecuteRequest } from "../protocol/request";
import { stringifyExact } from "../protocol/request";
import type { Transcript } from "../transcripts/types";
import { transcriptProblem } from "../transcripts/validate";

/** A recorded transcript and where it was found. */
export interface Recorded {
  file: string;
  transcript: Transcript;
}

/** The request's fields a replay matches on: all but the job id. */
function fieldsOf(request: object): Record<string, unknown> {
  const { job_id: _id, ...rest } = request as Record<string, unknown>;
  return rest;
}

/** A request's identity for replay: its fields but `job_id`, keys sorted, seeds exact. */
export function requestKey(request: object): string {
  const fields = fieldsOf(request);
  return stringifyExact(
    Object.fromEntries(
      Object.keys(fields)
        .sort()
        .map((k) => [k, fields[k]]),
    ),
  );
}

const SKIP = new Set(["node_modules", ".git", "dist", "coverage"]);

/** What a replay found: the transcripts it serves, and those it left out (damaged), with why. */
export interface Loaded {
  found: Recorded[];
  skipped: { file: string; problem: string }[];
}

/**
 * Every transcript (`__transcripts__/**\/*.json`, schema 1) under `dir`. A
 * damaged one is left out and named, with what is wrong, so one bad file
 * never takes the whole replay down.
 */
export function loadTranscripts(dir: string): Loaded {
  const found: Recorded[] = [];
  const skipped: Loaded["skipped"] = [];
  const walk = (d: string, inside: boolean, depth: number) => {
    if (depth > 12) return;
    let entries: string[];
    try {
      entries = readdirSync(d);
    } catch {
      return;
    }
    for (const name of entries) {
      if (SKIP.has(name)) continue;
      const path = join(d, name);
      let isDir: boolean;
      try {
        isDir = statSync(path).isDirectory();
      } catch {
        continue;
      }
      if (isDir) walk(path, inside || name === "__transcripts__", depth + 1);
      else if (inside && name.endsWith(".json")) {
        const file = relative(dir, path);
        let value: unknown;
        try {
          value = JSON.parse(readFileSync(path, "utf8"));
        } catch (error) {
          skipped.push({ file, problem: `not JSON (${(error as Error).message})` });
          continue;
        }
        const problem = transcriptProblem(value);
        if (problem) skipped.push({ file, problem });
        else found.push({ file, transcript: value as Transcript });
      }
    }
  };
  walk(dir, false, 0);
  return { found, skipped };
}

/** The recorded transcripts of a replay, looked up by request. */
export class ReplayIndex {
  private readonly byKey = new Map<string, Recorded>();

  constructor(
    readonly dir: string,
    readonly recorded: Recorded[],
    readonly skipped: Loaded["skipped"] = [],
  ) {
    for (const r of recorded) this.byKey.set(requestKey(r.transcript.request), r);
  }

  /** The transcript recorded for this request (job id aside). */
  find(request: ExecuteRequest): Recorded | undefined {
    return this.byKey.get(requestKey(request));
  }

  /** Why nothing matches: the closest recorded request and the fields it differs in. */
  explainMiss(request: ExecuteRequest): string {
    const left =
      this.skipped.length === 0
        ? ""
        : `; ${this.skipped.length} damaged transcript(s) were left out: ` +
          this.skipped
            .slice(0, 3)
            .map((b) => `${b.file} (${b.problem})`)
            .join(", ");
    return this.closest(request) + left;
  }

  private closest(request: ExecuteRequest): string {
    if (this.recorded.length === 0)
      return `no transcripts are recorded under ${this.dir} (looked for __transcripts__/**/*.json)`;
    const want = fieldsOf(request);
    let best: { r: Recorded; diff: string[] } | undefined;
    for (const r of this.recorded) {
      const got = fieldsOf(r.transcript.request);
      const keys = new Set([...Object.keys(want), ...Object.keys(got)]);
      const diff = [...keys].filter((k) => show(want[k]) !== show(got[k]));
      if (!best || diff.length < best.diff.length) best = { r, diff };
    }
    const { r, diff } = best!;
    const detail = diff
      .slice(0, 4)
      .map(
        (k) =>
          `${k}: recorded ${clip(stringifyExact(fieldsOf(r.transcript.request)[k]) ?? "absent")}, requested ${clip(stringifyExact(want[k]) ?? "absent")}`,
      )
      .join("; ");
    return (
      `no transcript was recorded for this request among ${this.recorded.length} under ${this.dir}; ` +
      `the closest is ${JSON.stringify(r.transcript.name)} (${r.file}), which differs in ${detail}`
    );
  }
}

/** A field's value for comparing and messages ("absent" when missing). */
function show(value: unknown): string {
  return value === undefined ? "absent" : stringifyExact(value);
}

function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}
