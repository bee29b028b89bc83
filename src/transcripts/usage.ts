import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { TranscriptStore } from "./store";

/** What a test file did with its transcripts, left in the run's folder for the obsolete-transcript report. */
interface Usage {
  dir: string;
  suffix: string;
  used: string[];
}

const folder = (statePath: string) => join(dirname(statePath), "transcripts");
let written = 0;

/** Notes a file's transcript use in the run's folder (no-op without global setup, or when the file used none and has none). */
export function noteTranscriptUse(store: TranscriptStore, statePath: string | undefined): void {
  if (!statePath) return;
  let present: string[] = [];
  try {
    present = readdirSync(store.dir);
  } catch {
    // no transcripts folder
  }
  if (present.length === 0 && store.used.size === 0) return;
  const usage: Usage = {
    dir: store.dir,
    suffix: store.keyBy === "none" ? "" : store.suffix,
    used: [...store.used],
  };
  try {
    mkdirSync(folder(statePath), { recursive: true });
    writeFileSync(join(folder(statePath), `${process.pid}-${++written}.json`), JSON.stringify(usage));
  } catch {
    // informative only
  }
}

/**
 * Transcripts no test of the run used, in the folders of the files that ran
 * (those of another GPU key are left alone). With `remove` (a `-u` run) they
 * are deleted, as Jest deletes obsolete snapshots.
 */
export function obsoleteTranscripts(statePath: string | undefined, remove: boolean): string[] {
  if (!statePath) return [];
  let names: string[];
  try {
    names = readdirSync(folder(statePath));
  } catch {
    return [];
  }
  const byDir = new Map<string, { suffix: string; used: Set<string> }>();
  for (const name of names) {
    try {
      const u = JSON.parse(readFileSync(join(folder(statePath), name), "utf8")) as Usage;
      const entry = byDir.get(u.dir) ?? { suffix: u.suffix, used: new Set<string>() };
      for (const f of u.used) entry.used.add(f);
      byDir.set(u.dir, entry);
    } catch {
      // cut off by a killed worker
    }
  }
  const obsolete: string[] = [];
  for (const [dir, { suffix, used }] of byDir) {
    let files: string[];
    try {
      files = readdirSync(dir).filter((f) => f.endsWith(".json"));
    } catch {
      continue;
    }
    for (const f of files) {
      const sameKey = suffix ? f.endsWith(`${suffix}.json`) : !f.includes("@");
      if (!sameKey || used.has(f)) continue;
      obsolete.push(join(dir, f));
      if (remove) rmSync(join(dir, f), { force: true });
    }
  }
  return obsolete.sort();
}
