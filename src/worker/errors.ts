import { WorkerOrcdError } from "../client/errors";

/** Facts about a worker process that go into every failure message. */
export interface WorkerFacts {
  command: string;
  exit?: { code: number | null; signal: NodeJS.Signals | null };
  waitedMs?: number;
  logTail: string[];
  /** Why the process never ran (`ENOENT`, `EACCES`), when spawning it failed. */
  spawnError?: string;
  /** Set when the package stopped it (at the start-up deadline, say): the exit that follows is the package's doing. */
  stoppedBy?: string;
}

/** Renders the facts as the indented block that ends every harness failure message. */
export function describeFacts(facts: WorkerFacts): string {
  const how = facts.exit
    ? facts.exit.signal
      ? `killed by signal ${facts.exit.signal}`
      : `exited with code ${facts.exit.code}`
    : "still running";
  const exit = facts.spawnError
    ? `could not be spawned (${facts.spawnError})`
    : facts.stoppedBy
      ? `stopped by worker-orcd-jest ${facts.stoppedBy}; it then ${how.replace(/^(killed|still)/, "was $1")}`
      : how;
  const lines = [
    `  command: ${facts.command}`,
    `  process: ${exit}`,
    ...(facts.waitedMs !== undefined ? [`  waited: ${facts.waitedMs} ms`] : []),
    `  last ${facts.logTail.length} line(s) of worker output:`,
    ...(facts.logTail.length > 0 ? facts.logTail.map((l) => `    ${l}`) : ["    (none)"]),
  ];
  return lines.join("\n");
}

/** The worker did not become ready (exited, timed out, or could not be spawned). */
export class WorkerStartupError extends WorkerOrcdError {
  constructor(
    summary: string,
    readonly facts: WorkerFacts,
  ) {
    super(`${summary}\n${describeFacts(facts)}`);
  }
}

/** The worker process exited while a test was using it. */
export class WorkerExitedError extends WorkerOrcdError {
  constructor(
    summary: string,
    readonly facts: WorkerFacts,
    options?: { cause?: unknown },
  ) {
    super(`${summary}\n${describeFacts(facts)}`, options);
  }
}
