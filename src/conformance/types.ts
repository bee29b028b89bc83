import type { Fingerprint } from "../checks/fingerprint";
import type { WorkerClient } from "../client/worker-client";
import type { WorkerProcess, WorkerStartOptions } from "../worker/worker-process";

/** How strongly docs/protocol.md asks for a clause. */
export type Level = "MUST" | "SHOULD";

/** A clause's outcome: `error` means it could not be judged (the check itself broke). */
export type Verdict = "pass" | "fail" | "n/a" | "error";

/** What a clause check returns. */
export interface Outcome {
  verdict: Verdict;
  /** What was sent and seen: request, status, first lines of the stream, timings. */
  evidence: string;
}

/** What a clause check gets. */
export interface ClauseContext {
  /** The worker under test (started once for the run). */
  worker: WorkerProcess;
  client: WorkerClient;
  /** Starts a fresh worker of the same kind (for clauses that end it); the caller stops it. */
  fresh(): Promise<WorkerProcess>;
  /** Longest wait for a raw stream to end (the CLI's --idle-timeout-ms; default 30 s). */
  streamTimeoutMs: number;
}

/** One clause of docs/protocol.md as an executable check. */
export interface Clause {
  id: string;
  title: string;
  level: Level;
  check(ctx: ClauseContext): Promise<Outcome>;
}

/** One judged clause, as the JSON report has it. */
export interface ClauseResult {
  id: string;
  title: string;
  level: Level;
  verdict: Verdict;
  evidence: string;
  ms?: number;
}

/** The conformance report (`--json`). */
export interface ConformanceReport {
  worker: {
    binary: string;
    model: string;
    gpuDevice: number;
    command?: string;
    startupMs?: number;
    extraArgs: string[];
  };
  /** What ran: GPU, driver, the binary's and the model's sha256, arguments, versions. */
  fingerprint?: Fingerprint;
  clauses: ClauseResult[];
  summary: Record<Verdict, number>;
  /** MUST clauses that failed and were not allowed. */
  failedMust: string[];
}

/** Options of a conformance run. */
export interface ConformanceOptions {
  binary: string;
  model: string;
  gpuDevice?: number;
  /** Arguments for the worker (e.g. `["--compat"]` for the mock's compat mode). */
  extraArgs?: string[];
  /** Clause ids whose failure does not count. */
  allow?: string[];
  /** Run only these clause ids. */
  only?: string[];
  startupTimeoutMs?: number;
  /** Extra start options (environment, timeouts). */
  start?: Partial<WorkerStartOptions>;
}
