import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { ReceivedEvent } from "../protocol/events";
import type { ExecuteRequest } from "../protocol/request";
import { stringifyExact } from "../protocol/request";
import type { Transcript, TranscriptContext } from "./types";
import { checkedTranscript } from "./validate";

/** Jest's `updateSnapshot`: `"all"` with `-u`, `"none"` with `--ci`, else `"new"`. */
export type UpdateMode = "all" | "new" | "none";

/** A transcript that `--ci` will not write, or a bad name. */
export class TranscriptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TranscriptError";
  }
}

/** The folder of a test file's transcripts: `__transcripts__/<file name>/` beside it. */
export function transcriptsDir(testPath: string): string {
  return join(dirname(testPath), "__transcripts__", basename(testPath));
}

/** `@<gpu>` when transcripts are keyed by GPU kind, else nothing. */
export function keySuffix(keyBy: "none" | "gpu", context: TranscriptContext): string {
  if (keyBy !== "gpu") return "";
  const gpu = context.gpu?.name ?? (context.kind === "real" ? "unknown-gpu" : "no-gpu");
  return `@${gpu.replace(/[^A-Za-z0-9._-]+/g, "-")}`;
}

/** How messages name a run that writes no new transcript (the snapshot mode "none"), under either runner. */
export const CI_RUN = "a CI run (Jest's --ci; Vitest with CI set)";

/**
 * One test file's transcripts: recorded where Jest's snapshot rules allow
 * (`-u` rewrites, `--ci` never writes a new one and fails instead), read for
 * `toMatchTranscript`, and each name used noted for the obsolete-transcript
 * report. Plain data and methods: the environment and the test realm share it.
 */
export class TranscriptStore {
  /** File names (with key suffix) that a test recorded or compared with. */
  readonly used = new Set<string>();
  /** Tests of the file (full names): declared, and those that ran and passed; set by the environment for the obsolete report. */
  readonly declaredTests = new Set<string>();
  readonly ranTests = new Set<string>();
  /** The name each file was asked for under, so two names of one file are an error, not a silent loss. */
  private readonly nameOf = new Map<string, string>();

  private ctx?: TranscriptContext;

  /**
   * `mode`: the runner's snapshot update mode, or how to read it when a
   * transcript is written (Vitest knows it only inside a test).
   */
  constructor(
    readonly testPath: string,
    private readonly updateMode: UpdateMode | (() => UpdateMode),
    private readonly contextOf: () => TranscriptContext,
    readonly keyBy: "none" | "gpu" = "none",
  ) {}

  /** `"all"` (`-u`), `"none"` (a CI run) or `"new"`. */
  get mode(): UpdateMode {
    return typeof this.updateMode === "function" ? this.updateMode() : this.updateMode;
  }

  /** Where this file's worker runs (read when a transcript is first used: it hashes the model's header). */
  get context(): TranscriptContext {
    this.ctx ??= this.contextOf();
    return this.ctx;
  }

  /** The key suffix of this file's transcripts (empty unless keyed by GPU). */
  get suffix(): string {
    return this.keyBy === "none" ? "" : keySuffix(this.keyBy, this.context);
  }

  get dir(): string {
    return transcriptsDir(this.testPath);
  }

  /** The file of a transcript name (checked: letters, digits, `.`, `_`, `-`, spaces; no path). */
  fileName(name: string): string {
    if (typeof name !== "string" || !/^[\w.\- ]{1,120}$/.test(name) || name.startsWith(".")) {
      throw new TranscriptError(
        `transcript name ${JSON.stringify(name)} must be 1-120 letters, digits, spaces, ".", "_" or "-" (it becomes a file name)`,
      );
    }
    const file = `${name.replace(/ /g, "_")}${this.suffix}.json`;
    const other = this.nameOf.get(file);
    if (other !== undefined && other !== name) throw collision(name, other, join(this.dir, file));
    this.nameOf.set(file, name);
    return file;
  }

  /**
   * Reads a transcript, or undefined when it does not exist. Marks it used.
   * A damaged one (not JSON, a field missing, a `null` event) is a
   * {@link TranscriptError} naming the file and what is wrong.
   */
  read(name: string): Transcript | undefined {
    const file = this.fileName(name);
    this.used.add(file);
    const path = join(this.dir, file);
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw new TranscriptError(`transcript ${path} cannot be read: ${(error as Error).message}`);
    }
    let transcript: Transcript;
    try {
      transcript = checkedTranscript(JSON.parse(text), path);
    } catch (error) {
      const e = error as Error;
      throw new TranscriptError(
        e instanceof SyntaxError
          ? `transcript ${path} is not JSON (${e.message}); record it again with -u`
          : e.message,
      );
    }
    if (transcript.name !== name) throw collision(name, transcript.name, path);
    return transcript;
  }

  /**
   * Records a call's request and events under `name`, as Jest treats a
   * snapshot: written when absent (or always with `-u`); with `--ci` an
   * absent one is a {@link TranscriptError}. Returns whether it was written.
   */
  record(
    name: string,
    test: string | undefined,
    request: ExecuteRequest,
    events: ReceivedEvent[],
    sentAt: number,
  ): boolean {
    const file = this.fileName(name);
    this.used.add(file);
    const path = join(this.dir, file);
    const exists = existsSync(path);
    const stored = exists ? storedField(path, "name") : undefined;
    if (stored !== undefined && stored !== name) throw collision(name, stored, path);
    if (exists && this.mode !== "all") return false;
    if (!exists && this.mode === "none") {
      throw new TranscriptError(
        `transcript ${JSON.stringify(name)} (${path}) does not exist, and ${CI_RUN} does not write new transcripts: ` +
          "record it in a run outside CI (or with -u) and commit it",
      );
    }
    const transcript: Transcript = {
      schema: 1,
      name,
      test,
      recordedAt: new Date().toISOString(),
      context: this.context,
      request,
      events: events.map((e) => ({ ...e })),
      receivedAt: events.map((e) => Math.round(((e.receivedAt ?? sentAt) - sentAt) * 100) / 100),
    };
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(path, `${stringifyExact(transcript, 2)}\n`);
    return true;
  }
}

/** Two transcript names that map to one file (they differ only in a space against a "_"). */
function collision(name: string, other: string, path: string): TranscriptError {
  return new TranscriptError(
    `transcript names ${JSON.stringify(name)} and ${JSON.stringify(other)} map to the same file ${path} ` +
      '(a space in a name becomes "_"): rename one of them',
  );
}

/** A string field (`name`, `test`) of a stored transcript, when the file exists and holds one; never throws. */
export function storedField(path: string, key: "name" | "test"): string | undefined {
  try {
    const value = (JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown> | null)?.[key];
    return typeof value === "string" ? value : undefined;
  } catch {
    return undefined;
  }
}
