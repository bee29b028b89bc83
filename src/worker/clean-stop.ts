import { type GpuMemoryOfPids, gpuMemoryOf } from "../checks/gpu";
import { now } from "../util/clock";
import { sleep, within } from "../util/timers";
import type { WorkerFacts } from "./errors";
import { descendantsOf, isAlive, markedProcesses, processTable, signal } from "./processes";
import { commandOf } from "./registry";
import type { StopReport } from "./stop-tree";

/** A process of a worker's tree that was still there once the worker had exited (or at the end of its grace). */
export interface Survivor {
  pid: number;
  /** Its command line, as `ps` showed it before the stop. */
  command: string;
}

/** What a measured stop saw: the worker alone was asked to stop, and was then watched. */
export interface CleanStop extends StopReport {
  /** The worker's pid. */
  pid: number;
  /** The signal sent to the worker's own process (never its group: a clean worker ends its children itself). */
  signal: NodeJS.Signals;
  /** How long it was given to exit, ms. */
  graceMs: number;
  /** From the signal to the worker's exit, ms; undefined when it outlived the grace (it was then killed). */
  exitMs?: number;
  /** Its exit code and signal, when it exited within the grace. */
  exit?: NonNullable<WorkerFacts["exit"]>;
  /**
   * Processes of its tree (its group, descendants that left the group, and
   * anything carrying its environment mark) alive once it had exited, or at
   * the end of the grace; they were killed after being counted.
   */
  survivors: Survivor[];
  /**
   * GPU memory its tree held before the signal and after the exit (from
   * `nvidia-smi --query-compute-apps`), or why it was not read.
   */
  vram: { beforeMiB: number; afterMiB: number; holdersAfter: number[] } | { unread: string };
}

/** What a measured stop needs of a worker it started. */
export interface Measurable {
  readonly pid: number;
  readonly mark: string;
  readonly exit?: WorkerFacts["exit"];
  whenExited(): Promise<NonNullable<WorkerFacts["exit"]>>;
}

/** How long the tree may take to go after the worker itself has exited (reaping, a last write). */
const SETTLE_MS = 250;

/**
 * Sends `signal` (SIGTERM) to the worker's process alone, as a process
 * manager would, and watches: how long it takes to exit (up to `graceMs`),
 * with what code, which processes of its tree it left behind, and whether
 * the GPU memory its tree held was given back. `onSignalled` runs right
 * after the signal (to probe the worker while it drains). Nothing is cleaned
 * up here: `cleanUp` (the worker's forced stop) runs last, given whether the
 * worker outlived its grace, and its report is merged in.
 */
export async function measureStop(
  worker: Measurable,
  options: { graceMs: number; signal?: NodeJS.Signals; onSignalled?: () => void },
  cleanUp: (outlived: boolean) => Promise<StopReport>,
): Promise<CleanStop> {
  const sig = options.signal ?? "SIGTERM";
  const { graceMs } = options;
  const rows = processTable();
  const tree = new Set([
    ...descendantsOf(worker.pid, rows).map((r) => r.pid),
    ...markedProcesses(worker.mark),
  ]);
  tree.delete(worker.pid);
  const commands = new Map([worker.pid, ...tree].map((pid) => [pid, commandOf(pid)]));
  const before = await gpuMemoryOf([worker.pid, ...tree]);
  const started = now();
  const already = worker.exit;
  if (!already) signal(worker.pid, sig);
  options.onSignalled?.();
  const exit = already ?? (await within(worker.whenExited(), graceMs));
  const exitMs = exit && !already ? Math.round(now() - started) : exit ? 0 : undefined;
  for (const pid of markedProcesses(worker.mark))
    if (pid !== worker.pid && !tree.has(pid)) {
      tree.add(pid);
      commands.set(pid, commandOf(pid));
    }
  const settleUntil = now() + SETTLE_MS;
  while (exit && [...tree].some(isAlive) && now() < settleUntil) await sleep(10);
  const survivors = [...tree]
    .filter(isAlive)
    .map((pid) => ({ pid, command: commands.get(pid) ?? "(command line not readable)" }));
  if (!exit) survivors.unshift({ pid: worker.pid, command: commands.get(worker.pid) ?? "(the worker)" });
  const after = typeof before === "string" ? before : await gpuMemoryOf([worker.pid, ...tree]);
  const cleaned = await cleanUp(!exit);
  return {
    ms: Math.round(now() - started),
    forced: cleaned.forced || survivors.length > 0,
    pid: worker.pid,
    signal: sig,
    graceMs,
    ...(exitMs !== undefined ? { exitMs } : {}),
    ...(exit ? { exit } : {}),
    survivors,
    vram: vramOf(before, after),
  };
}

function vramOf(before: GpuMemoryOfPids | string, after: GpuMemoryOfPids | string): CleanStop["vram"] {
  if (typeof before === "string") return { unread: before };
  if (typeof after === "string") return { unread: after };
  return { beforeMiB: before.usedMiB, afterMiB: after.usedMiB, holdersAfter: after.holders };
}

/** The problems of a measured stop, one line each; empty when it was clean. */
export function stopProblems(stop: CleanStop): string[] {
  const problems: string[] = [];
  if (stop.exit === undefined) problems.push(`it was still running ${stop.graceMs} ms after ${stop.signal}`);
  else if (stop.exit.code !== 0)
    problems.push(
      stop.exit.signal
        ? `it was ended by ${stop.exit.signal} (no handler: it did not shut down, it died)`
        : `it exited with code ${stop.exit.code}, not 0`,
    );
  for (const s of stop.survivors.filter((s) => s.pid !== stop.pid))
    problems.push(`pid ${s.pid} (${s.command.slice(0, 120)}) outlived it`);
  if ("holdersAfter" in stop.vram && stop.vram.holdersAfter.length > 0)
    problems.push(
      `GPU memory was not given back: ${stop.vram.afterMiB} MiB still held by pid ${stop.vram.holdersAfter.join(", ")}`,
    );
  return problems;
}

/** One line of what a measured stop saw, for messages and evidence. */
export function describeStop(stop: CleanStop): string {
  const exit = stop.exit
    ? `exited after ${stop.exitMs} ms with ${stop.exit.signal ? `signal ${stop.exit.signal}` : `code ${stop.exit.code}`}`
    : `did not exit within ${stop.graceMs} ms`;
  const survivors =
    stop.survivors.length === 0
      ? "no process of its tree left"
      : `${stop.survivors.length} process(es) left: ${stop.survivors.map((s) => `pid ${s.pid} ${JSON.stringify(s.command.slice(0, 80))}`).join(", ")}`;
  const vram =
    "unread" in stop.vram
      ? `VRAM not read (${stop.vram.unread})`
      : `VRAM ${stop.vram.beforeMiB} MiB before, ${stop.vram.afterMiB} MiB after`;
  return `${stop.signal} to pid only: ${exit}; ${survivors}; ${vram}`;
}
