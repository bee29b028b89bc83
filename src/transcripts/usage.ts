import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { storedField, type TranscriptStore } from "./store";

/** What a test file did with its transcripts, left in the run's folder for the obsolete-transcript report. */
interface Usage {
  dir: string;
  suffix: string;
  used: string[];
  /** Full names of the tests the file declares, and of those that ran. */
  declared: string[];
  ran: string[];
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
    declared: [...store.declaredTests],
    ran: [...store.ranTests],
  };
  try {
    mkdirSync(folder(statePath), { recursive: true });
    writeFileSync(join(folder(statePath), `${process.pid}-${++written}.json`), JSON.stringify(usage));
  } catch {
    // informative only
  }
}

/**
 * Obsolete transcripts, in the folders of the files that ran (those of
 * another GPU key are left alone): like Jest's obsolete snapshots, one whose
 * test passed without using it, or whose test no longer exists. A transcript
 * of a test that did not run (skipped, `itGpu` on a machine without a GPU)
 * or failed is kept. With `remove` (a `-u` run) they are deleted.
 */
export function obsoleteTranscripts(statePath: string | undefined, remove: boolean): string[] {
  if (!statePath) return [];
  let names: string[];
  try {
    names = readdirSync(folder(statePath));
  } catch {
    return [];
  }
  const byDir = new Map<
    string,
    { suffix: string; used: Set<string>; declared: Set<string>; ran: Set<string> }
  >();
  for (const name of names) {
    try {
      const u = JSON.parse(readFileSync(join(folder(statePath), name), "utf8")) as Usage;
      const entry = byDir.get(u.dir) ?? {
        suffix: u.suffix,
        used: new Set<string>(),
        declared: new Set<string>(),
        ran: new Set<string>(),
      };
      for (const f of u.used) entry.used.add(f);
      for (const t of u.declared ?? []) entry.declared.add(t);
      for (const t of u.ran ?? []) entry.ran.add(t);
      byDir.set(u.dir, entry);
    } catch {
      // cut off by a killed worker
    }
  }
  const obsolete: string[] = [];
  for (const [dir, { suffix, used, declared, ran }] of byDir) {
    let files: string[];
    try {
      files = readdirSync(dir).filter((f) => f.endsWith(".json"));
    } catch {
      continue;
    }
    for (const f of files) {
      const sameKey = suffix ? f.endsWith(`${suffix}.json`) : !f.includes("@");
      if (!sameKey || used.has(f)) continue;
      const test = storedField(join(dir, f), "test");
      // Its test exists and did not run: nothing says it is obsolete.
      if (test !== undefined && declared.has(test) && !ran.has(test)) continue;
      obsolete.push(join(dir, f));
      if (remove) rmSync(join(dir, f), { force: true });
    }
  }
  return obsolete.sort();
}
