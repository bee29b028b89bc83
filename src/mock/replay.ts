import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import type { ExecuteRequest } from "../protocol/request";
import { stringifyExact } from "../protocol/request";
import type { Transcript } from "../transcripts/types";

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

/** Every transcript (`__transcripts__/**\/*.json`, schema 1) under `dir`. */
export function loadTranscripts(dir: string): Recorded[] {
  const found: Recorded[] = [];
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
        try {
          const transcript = JSON.parse(readFileSync(path, "utf8")) as Transcript;
          if (transcript?.schema === 1 && Array.isArray(transcript.events))
            found.push({ file: relative(dir, path), transcript });
        } catch {
          // not a transcript
        }
      }
    }
  };
  walk(dir, false, 0);
  return found;
}

/** The recorded transcripts of a replay, looked up by request. */
export class ReplayIndex {
  private readonly byKey = new Map<string, Recorded>();

  constructor(
    readonly dir: string,
    readonly recorded: Recorded[],
  ) {
    for (const r of recorded) this.byKey.set(requestKey(r.transcript.request), r);
  }

  /** The transcript recorded for this request (job id aside). */
  find(request: ExecuteRequest): Recorded | undefined {
    return this.byKey.get(requestKey(request));
  }

  /** Why nothing matches: the closest recorded request and the fields it differs in. */
  explainMiss(request: ExecuteRequest): string {
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
