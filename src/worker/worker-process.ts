import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { closeSync, openSync } from "node:fs";
import { ConfigError } from "../client/errors";
import type { JobLedger } from "../client/job-ledger";
import { WorkerClient } from "../client/worker-client";
import { ROUTES } from "../protocol/routes";
import { now } from "../util/clock";
import { checkDuration } from "../util/duration";
import { within } from "../util/timers";
import { CallbackServer } from "./callback-server";
import { type CleanStop, measureStop } from "./clean-stop";
import { buildCommand, formatCommand, type WorkerCommandSpec } from "./command";
import { WorkerExitedError, type WorkerFacts, WorkerStartupError } from "./errors";
import { exitCause } from "./exit-cause";
import { LogBuffer } from "./log-buffer";
import { freePort, portIsFree } from "./ports";
import { killMarked, MARK_VAR, signal } from "./processes";
import { NotReadyError, waitForReady } from "./readiness";
import { commandOf, forgetWorker, recordWorker } from "./registry";
import { type StopReport, stopProcessTree } from "./stop-tree";
import { startWatchdog, watchdogDone } from "./watchdog";

/** Options of {@link WorkerProcess.start}. */
export interface WorkerStartOptions extends WorkerCommandSpec {
  /** Deadline from spawn to ready. Default 60 000 ms. */
  startupTimeoutMs?: number;
  /** SIGTERM-to-SIGKILL grace at stop. Default 5 000 ms. */
  shutdownGraceMs?: number;
  /** Whole-call limit of client requests. Default 60 000 ms. */
  requestTimeoutMs?: number;
  /** Longest silence inside a stream. Default 30 000 ms. */
  idleTimeoutMs?: number;
  /** Variables added to the inherited environment. */
  env?: Record<string, string>;
  /** Serve a readiness callback URL and pass `--callback-url`. Default true. */
  callback?: boolean;
  /** Fresh ports to try when the port is taken between allocation and bind. Default 3. */
  portAttempts?: number;
  /** Serve on this port instead of a free one (no retry: a taken port is a startup failure). */
  port?: number;
  /** The ledger of calls in flight the client shares (the Jest environment's, which knows the running test). */
  jobs?: JobLedger;
  /**
   * Never hold this Node process open: the child, its output pipes and the
   * callback server are unref'd (a spare started ahead; it is stopped by an
   * exit hook, global teardown or the watchdog instead). Default false.
   */
  unref?: boolean;
  /** Abandons the start when aborted: the process is stopped and the start rejects (a spare no file wants). */
  signal?: AbortSignal;
  /** Called once the process is spawned, before readiness is awaited. */
  onSpawn?: () => void;
  /**
   * Write the worker's stdout and stderr to these files instead of pipes to
   * this process (they are followed for its log tail): for a worker that may
   * outlive this process, handed to the reuse pool.
   */
  outputFiles?: { stdout: string; stderr: string };
  /** A path without white space: once this file exists, the watchdog lets the worker live (it was handed to the pool). */
  releasePath?: string;
}

/** Variables of the last real builds that change sampling; not inherited unless given in `env`. */
const SAMPLING_OVERRIDES = ["FROST_TEMP", "FROST_TOPK"];
const PORT_TAKEN = /address already in use|EADDRINUSE/i;

type Exit = NonNullable<WorkerFacts["exit"]>;

/**
 * One worker process: spawned in its own process group, awaited until ready,
 * its output captured, stopped with its whole tree.
 */
export class WorkerProcess {
  /** Client bound to this worker; failures name the worker's exit when it died. */
  readonly client: WorkerClient;
  /** Exit code and signal, once the process has exited. */
  exit?: Exit;
  /** `now()` when the process exited. */
  exitedAt?: number;
  /**
   * Milliseconds from spawn to ready, as this process saw it. When this
   * process's event loop was blocked during the wait (see
   * {@link startupBlockedMs}), readiness was seen late and the figure
   * includes part of that block.
   */
  startupMs = 0;
  /** The longest block of this process's event loop during the wait for readiness (ms). */
  startupBlockedMs = 0;
  /** The `/health` body that declared it ready. */
  readyHealth?: unknown;
  /** Why spawning failed (`ENOENT`, ...), when it did. */
  spawnError?: string;
  /** Why the package stopped it before it was ready, when it did (for failure messages). */
  stoppedBy?: string;
  private stopping?: Promise<StopReport>;
  /** Stops following the output files, when the output goes to files. */
  private unfollow: Array<() => void> = [];

  private constructor(
    private readonly child: ChildProcess,
    /** Captured stdout and stderr lines. */
    readonly logs: LogBuffer,
    /** Command line, quoted for a shell. */
    readonly command: string,
    readonly port: number,
    readonly workerId: string,
    private readonly exited: Promise<Exit>,
    private readonly options: WorkerStartOptions,
    private readonly callback: CallbackServer | undefined,
    /** The value of `WORKER_ORCD_JEST_WORKER` in the worker's environment (inherited by its descendants). */
    readonly mark: string,
  ) {
    void exited.then((exit) => {
      this.exit = exit;
      this.exitedAt = now();
    });
    this.client = new WorkerClient(this.baseUrl, {
      requestTimeoutMs: options.requestTimeoutMs,
      idleTimeoutMs: options.idleTimeoutMs,
      logTail: (n) => this.logs.tail(n),
      explainFailure: (error, requestedAt) => this.explainFailure(error, requestedAt),
      jobs: options.jobs,
    });
  }

  /** Readiness callback body, once the worker has posted one (it may come after ready). */
  get callbackBody(): unknown {
    return this.callback?.body;
  }

  /** Waits up to `ms` for the readiness callback (a worker may post it just after it answers `/health`); its body, or undefined. */
  async waitForCallback(ms: number): Promise<unknown> {
    if (!this.callback) return undefined;
    return within(this.callback.wait(), ms);
  }

  /** Whether the worker's port answered when its readiness callback arrived (the specification says it must). */
  get listeningAtCallback(): boolean | undefined {
    return this.callback?.listeningAtCallback;
  }

  /** What it was started as: binary (`"mock"` for the bundled mock), model and device. */
  get spec(): { binary: string; model: string; gpuDevice: number } {
    return { binary: this.options.binary, model: this.options.model, gpuDevice: this.options.gpuDevice };
  }

  /** `http://127.0.0.1:<port>`. */
  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Process id (also the process group id). */
  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Spawns a worker and waits until it is ready; on failure nothing is left running. */
  static async start(options: WorkerStartOptions): Promise<WorkerProcess> {
    options = checkTimeouts(options);
    if (
      options.port !== undefined &&
      (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535)
    ) {
      throw new ConfigError(
        `worker option port must be an integer from 1 to 65535, got ${JSON.stringify(options.port)} (leave it out for a free port)`,
      );
    }
    // A fixed port is not retried: taking it again would fail the same way.
    const attempts = options.port !== undefined ? 1 : Math.max(1, options.portAttempts ?? 3);
    for (let attempt = 1; ; attempt++) {
      try {
        return await WorkerProcess.startOnce(options);
      } catch (error) {
        const portTaken =
          error instanceof WorkerStartupError && error.facts.logTail.some((l) => PORT_TAKEN.test(l));
        if (!portTaken || attempt >= attempts) throw error;
      }
    }
  }

  private static async startOnce(options: WorkerStartOptions): Promise<WorkerProcess> {
    const timeoutMs = options.startupTimeoutMs ?? 60_000;
    const port = options.port ?? (await freePort());
    // Another process on a fixed port would answer the readiness probes in the new worker's place.
    if (options.port !== undefined && !(await portIsFree(port))) {
      throw new ConfigError(
        `worker option port: ${port} is already in use (EADDRINUSE) on 127.0.0.1, and what listens there would answer ` +
          "in the worker's place; stop it, or leave the port option out for a free port",
      );
    }
    const callback = options.callback === false ? undefined : new CallbackServer();
    const callbackUrl = await callback?.start();
    if (callback) callback.probeUrl = `http://127.0.0.1:${port}${ROUTES.health}`;
    const cmd = buildCommand(options, port, callbackUrl);
    const command = formatCommand(cmd);
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const name of SAMPLING_OVERRIDES) delete env[name];
    Object.assign(env, options.env);
    const mark = randomUUID();
    env[MARK_VAR] = mark;
    if (options.signal?.aborted) {
      await callback?.close();
      throw new WorkerStartupError("worker start abandoned before it was spawned (no longer wanted)", {
        command,
        logTail: [],
      });
    }
    const startedAt = now();
    const logs = new LogBuffer();
    const files = options.outputFiles;
    const fds = files ? [openSync(files.stdout, "a", 0o600), openSync(files.stderr, "a", 0o600)] : undefined;
    const child = spawn(cmd.file, cmd.args, {
      detached: true,
      stdio: ["ignore", fds?.[0] ?? "pipe", fds?.[1] ?? "pipe"],
      env,
    });
    for (const fd of fds ?? []) closeSync(fd);
    let spawnError: string | undefined;
    const exited = new Promise<Exit>((resolve) => {
      child.once("exit", (code, signal) => resolve({ code, signal }));
      child.once("error", (error: NodeJS.ErrnoException) => {
        spawnError = error.code ?? error.message;
        logs.push("stderr", `spawn failed: ${error.code ?? ""} ${error.message}`);
        resolve({ code: null, signal: null });
      });
    });
    if (child.stdout) logs.attach(child.stdout, "stdout");
    if (child.stderr) logs.attach(child.stderr, "stderr");
    const worker = new WorkerProcess(
      child,
      logs,
      command,
      port,
      cmd.workerId,
      exited,
      options,
      callback,
      mark,
    );
    if (files) worker.unfollow = [logs.follow(files.stdout, "stdout"), logs.follow(files.stderr, "stderr")];
    if (options.unref) worker.holdProcessOpen(false);
    // The watchdog covers the worker from now on; the registry record (for a later run) once it has exec'd and is ready.
    if (child.pid !== undefined)
      startWatchdog(child.pid, worker.graceMs, mark, undefined, options.releasePath);
    options.onSpawn?.();
    try {
      const ready = await waitForReady({
        healthUrl: `${worker.baseUrl}${ROUTES.health}`,
        callback,
        exited,
        timeoutMs,
        startedAt,
        signal: options.signal,
        logs,
      });
      worker.startupMs = ready.ms;
      worker.startupBlockedMs = ready.blockedMs;
      worker.readyHealth = ready.health;
      if (child.pid !== undefined) {
        recordWorker({
          pid: child.pid,
          ownerPid: process.pid,
          command: commandOf(child.pid) ?? command,
          startedAt: new Date().toISOString(),
          mark,
        });
      }
      return worker;
    } catch (error) {
      worker.spawnError = spawnError;
      if (error instanceof NotReadyError && error.reason !== "exited")
        worker.stoppedBy =
          error.reason === "timeout"
            ? `at the start-up deadline (${timeoutMs} ms, startupTimeoutMs)`
            : "when its start was abandoned";
      await worker.stop();
      await flushed(child);
      for (const stop of worker.unfollow) stop();
      const waitedMs = Math.round(now() - startedAt);
      const cause =
        error instanceof NotReadyError && error.reason === "exited" ? exitCause(logs.all()) : undefined;
      const summary =
        (error instanceof NotReadyError
          ? error.message
          : `worker could not be started: ${(error as Error).message}`) +
        (cause ? `; the worker said: ${cause}` : "");
      throw new WorkerStartupError(hint(summary, options, logs), worker.facts(waitedMs));
    }
  }

  /**
   * Whether this worker (its child, output pipes and callback server) keeps
   * this Node process alive; true unless it was started with `unref`.
   */
  holdProcessOpen(on: boolean): void {
    const method = on ? "ref" : "unref";
    this.child[method]();
    for (const stream of [this.child.stdout, this.child.stderr])
      (stream as { ref?: () => void; unref?: () => void } | null)?.[method]?.();
    this.callback?.holdProcessOpen(on);
  }

  /** Facts for failure messages: command, exit, output tail. */
  facts(waitedMs?: number, tail = 15): WorkerFacts {
    return {
      command: this.command,
      exit: this.exit,
      waitedMs,
      logTail: explanatoryTail(this.logs.tail(tail + 50), tail),
      ...(this.spawnError ? { spawnError: this.spawnError } : {}),
      ...(this.stoppedBy ? { stoppedBy: this.stoppedBy } : {}),
    };
  }

  /** Resolves with the exit code and signal once the process exits. */
  whenExited(): Promise<Exit> {
    return this.exited;
  }

  /**
   * Lets the worker go on after this process, as it is (the reuse pool takes
   * it): it no longer holds this process open, its registry record is removed
   * (a later run's orphan reaper must not end it) and its output files are no
   * longer followed. Its watchdog ends once the start option `releasePath`
   * exists, which the caller creates.
   */
  handOver(): void {
    this.holdProcessOpen(false);
    for (const stop of this.unfollow) stop();
    this.unfollow = [];
    if (this.child.pid !== undefined) {
      forgetWorker(this.child.pid);
      watchdogDone(this.child.pid);
    }
    void this.callback?.close();
  }

  /** SIGTERM-to-SIGKILL grace at stop (the start option `shutdownGraceMs`). */
  get shutdownGraceMs(): number {
    return this.graceMs;
  }

  /** The start options as given. */
  get startOptions(): WorkerStartOptions {
    return this.options;
  }

  /** Stops the worker and its whole tree (SIGTERM, then SIGKILL after the grace). Idempotent. */
  stop(): Promise<StopReport> {
    this.stopping ??= this.stopTree(this.graceMs);
    return this.stopping;
  }

  /**
   * Stops the worker as a process manager would and measures how cleanly it
   * went ({@link CleanStop}): SIGTERM to the worker's own process, its exit
   * awaited up to `graceMs` (default: the start option `shutdownGraceMs`),
   * then what of its tree is left and whether its GPU memory was given back.
   * Whatever it left is then stopped as {@link stop} does. A worker already
   * stopping is not measured again: the first stop's report is returned.
   */
  stopMeasured(
    options: { graceMs?: number; onSignalled?: () => void } = {},
  ): Promise<StopReport | CleanStop> {
    const graceMs = options.graceMs ?? this.graceMs;
    this.stopping ??= measureStop(this, { graceMs, onSignalled: options.onSignalled }, (outlived) =>
      this.stopTree(outlived ? 0 : graceMs),
    );
    return this.stopping;
  }

  private stopTree(graceMs: number): Promise<StopReport> {
    return stopProcessTree(this.child, graceMs).then(async (report) => {
      // Descendants that left the group (a setsid daemon) but kept the environment mark.
      if (killMarked(this.mark).length > 0) report = { ...report, forced: true };
      if (this.child.pid !== undefined) {
        forgetWorker(this.child.pid);
        watchdogDone(this.child.pid);
      }
      await this.callback?.close();
      for (const stop of this.unfollow) stop();
      return report;
    });
  }

  /**
   * For a process that is exiting and cannot await {@link stop}: SIGTERM to
   * the worker's group and its registry record removed, at once. The
   * watchdog, which sees this process gone, sends SIGKILL after the grace and
   * sweeps the environment mark.
   */
  terminateNow(): void {
    if (this.child.pid === undefined) return;
    // One that already exited (its stop's SIGTERM took effect) still has its record to remove.
    if (!this.exit) signal(-this.child.pid, "SIGTERM");
    forgetWorker(this.child.pid);
  }

  private get graceMs(): number {
    return this.options.shutdownGraceMs ?? 5000;
  }

  /**
   * Turns a failed client call into a {@link WorkerExitedError} when the
   * process has exited, saying when: during the request, or already before it
   * (with how long before, and for a clean exit that `shutdown()` or a signal
   * may have caused it). `undefined` when the process is alive.
   */
  async explainFailure(error: Error, requestedAt = now()): Promise<Error | undefined> {
    if (this.stopping) return undefined;
    const exit = await within(this.exited, 300);
    if (!exit) return undefined;
    await flushed(this.child);
    const how = exit.signal ? `was killed by signal ${exit.signal}` : `exited with code ${exit.code}`;
    const exitedAt = this.exitedAt ?? now();
    const when =
      exitedAt < requestedAt
        ? `${Math.round(requestedAt - exitedAt)} ms before this request was sent` +
          (exit.code === 0 ? " (a clean exit: after shutdown() or a signal?)" : "")
        : "during the request";
    return new WorkerExitedError(`the worker process ${how} ${when} (${error.message})`, this.facts(), {
      cause: error,
    });
  }
}

const TIMEOUT_OPTIONS = ["startupTimeoutMs", "shutdownGraceMs", "requestTimeoutMs", "idleTimeoutMs"] as const;

/** The start options with every timeout checked and rounded up (a bad one is a {@link ConfigError} naming it). */
function checkTimeouts(options: WorkerStartOptions): WorkerStartOptions {
  const checked = { ...options };
  for (const key of TIMEOUT_OPTIONS) {
    const value = options[key];
    if (value !== undefined) checked[key] = checkDuration(value, key, (m) => new ConfigError(m));
  }
  return checked;
}

/** Waits (briefly) until the child's output streams have ended, so log tails are complete. */
function flushed(child: ChildProcess): Promise<void> {
  const ends = [child.stdout, child.stderr].map((s) =>
    !s || s.readableEnded || s.destroyed
      ? Promise.resolve()
      : new Promise<void>((r) => s.once("close", () => r())),
  );
  return within(
    Promise.all(ends).then(() => undefined),
    500,
  );
}

/** Routine lines that explain no failure (the mock's load progress): left out of failure messages' log tails. */
const ROUTINE = /model load progress|"event":"model_load_progress"/;

/** The last `n` lines that can explain something: routine progress lines are left out when others exist. */
function explanatoryTail(lines: string[], n: number): string[] {
  const telling = lines.filter((l) => !ROUTINE.test(l));
  return (telling.length > 0 ? telling : lines).slice(-n);
}

function hint(summary: string, options: WorkerStartOptions, logs: LogBuffer): string {
  if (logs.some(/ENOENT/) && options.binary !== "mock") {
    return `${summary}; the worker binary ${JSON.stringify(options.binary)} was not found (set WORKER_ORCD_BIN or the binary option to an executable, or use mode "mock")`;
  }
  if (logs.some(/EACCES/)) {
    return `${summary}; the worker binary ${JSON.stringify(options.binary)} is not executable (chmod +x it)`;
  }
  if (PORT_TAKEN.test(logs.tail(5).join("\n"))) return `${summary}; the port was taken on every attempt`;
  return summary;
}

/**
 * What a test file uses of its worker, whether the package started it
 * ({@link WorkerProcess}) or attached to one already running
 * (`AttachedWorker`, `src/scope/attach.ts`).
 */
export type FileWorker = Pick<
  WorkerProcess,
  | "client"
  | "baseUrl"
  | "port"
  | "pid"
  | "workerId"
  | "command"
  | "callbackBody"
  | "startupMs"
  | "startupBlockedMs"
  | "readyHealth"
  | "logs"
  | "exit"
  | "spec"
  | "facts"
  | "explainFailure"
  | "stop"
  | "holdProcessOpen"
> & {
  /** Headers every client of this worker sends (an attached worker's `headers` and URL credentials). */
  readonly requestHeaders?: Record<string, string>;
};
