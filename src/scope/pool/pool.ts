import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { HEALTH_CHECK_MS } from "../../protocol/health";
import { now } from "../../util/clock";
import { sleep } from "../../util/timers";
import { processStamp } from "../../worker/processes";
import { owners, startWatchdog, watchdogDone } from "../../worker/watchdog";
import { WorkerProcess, type WorkerStartOptions } from "../../worker/worker-process";
import { answersHealthy } from "../health-check";
import { differences, type Identity, identityKey, identityOf } from "../identity";
import { ensureJanitor } from "./janitor";
import { PooledWorker } from "./pooled-worker";
import {
  claim,
  drop,
  ensurePool,
  holderAlive,
  listPool,
  lockHolder,
  outputPaths,
  type PoolEntry,
  type PoolRecord,
  poolDir,
  putIdle,
  putLeased,
  releasePath,
  takeRelease,
  tryLock,
  workerAlive,
} from "./store";

/** How a run reuses workers: how long one may idle in the pool, and how the run plans it (part of its identity). */
export interface ReuseSettings {
  /** A pooled worker nobody took for this long is stopped. */
  idleMs: number;
}

/** A worker this process holds from the pool, or started so that it can enter it. */
export type PoolWorker = WorkerProcess | PooledWorker;

interface Lease {
  entry: PoolEntry;
  /** The marker that lets the worker's watchdog go once it is back in the pool. */
  release: string;
  /** The idle limit of the run that holds it: handed back, the worker idles under this one. */
  idleMs: number;
}

/**
 * The per-user pool of warm workers (`reuse`): at the end of a run, scope
 * `"process"`'s kept workers are handed to it instead of stopped, and a later
 * run takes one whose identity ({@link Identity}) is the same as what it
 * would start. A worker is leased by one Jest process at a time (an atomic
 * rename of its record); a lease dies with its holder (the worker's
 * watchdog, then the janitor, end the worker of a killed run); an idle
 * worker is stopped by the janitor after its idle time.
 */
export class WorkerPool {
  private readonly leases = new Map<PoolWorker, Lease>();

  constructor(readonly dir = poolDir()) {}

  /** True when `worker` is held from this pool (started for it or taken from it). */
  holds(worker: unknown): worker is PoolWorker {
    return this.leases.has(worker as PoolWorker);
  }

  /**
   * A worker for `options`: an idle pooled one of the same identity, else
   * one `start`ed with the pool's start options (output to files, a
   * releasable watchdog). A start of the same identity and lane under way
   * elsewhere is waited for (bounded), then the pool looked at again, so two
   * runs that miss at once do not both load the model at the same moment.
   * `why` says why no pooled worker was taken, when one could have been.
   */
  async acquire(
    options: WorkerStartOptions,
    reuse: ReuseSettings,
    start: (extra: Pick<WorkerStartOptions, "outputFiles" | "releasePath">) => Promise<WorkerProcess>,
  ): Promise<{ worker: PoolWorker; pooled: boolean; why?: string }> {
    ensurePool(this.dir);
    const wanted = identityOf(options);
    const key = identityKey(wanted);
    const lock = join(this.dir, "starting", `${key}-${process.env.JEST_WORKER_ID ?? "1"}.lock`);
    const deadline = now() + (options.startupTimeoutMs ?? 60_000) + 5_000;
    let why: string | undefined;
    let locked = false;
    for (;;) {
      const got = await this.take(options, wanted, key, reuse);
      if (got.worker) return { worker: got.worker, pooled: true };
      why = got.why;
      locked = tryLock(lock);
      if (locked) break;
      const holder = lockHolder(lock);
      if (holder && !holderAlive(holder)) rmSync(lock, { force: true });
      else if (now() > deadline) break;
      else await sleep(50);
    }
    try {
      const id = randomUUID().slice(0, 8);
      const release = releasePath(this.dir, id, randomUUID().slice(0, 8));
      const worker = await start({ outputFiles: outputPaths(this.dir, id), releasePath: release });
      const entry = putLeased(this.dir, recordOf(worker, id, wanted, key, reuse));
      this.leases.set(worker, { entry, release, idleMs: reuse.idleMs });
      return { worker, pooled: false, why };
    } finally {
      if (locked) rmSync(lock, { force: true });
    }
  }

  /** An idle pooled worker of identity `key`, leased to this process, or why none was taken. */
  private async take(
    options: WorkerStartOptions,
    wanted: Identity,
    key: string,
    reuse: ReuseSettings,
  ): Promise<{ worker?: PooledWorker; why?: string }> {
    const entries = listPool(this.dir);
    for (const idle of entries.filter((e) => e.state === "idle" && e.record.key === key)) {
      const entry = claim(this.dir, idle);
      if (!entry) continue; // another process took it first
      const { record } = entry;
      if (!workerAlive(record)) {
        drop(entry); // gone, or its pid now belongs to another process
        continue;
      }
      const release = releasePath(this.dir, record.id, randomUUID().slice(0, 8));
      startWatchdog(record.pid, record.graceMs, record.mark, owners(), release);
      const worker = new PooledWorker(record, options);
      const takenAt = now();
      if (!(await answersHealthy(worker.client))) {
        await worker.stop();
        watchdogDone(record.pid);
        drop(entry);
        continue;
      }
      worker.startupMs = Math.round(now() - takenAt);
      worker.readyHealth = await worker.client.health({ timeoutMs: HEALTH_CHECK_MS }).catch(() => undefined);
      this.leases.set(worker, { entry, release, idleMs: reuse.idleMs });
      return { worker };
    }
    const why = whyNotTaken(entries, wanted, key);
    // A real worker of another identity, idle on the same GPU, would share its memory with the one now started.
    let freed = 0;
    for (const idle of entries) {
      const other = idle.record.identity;
      if (idle.state !== "idle" || idle.record.key === key || other.device !== wanted.device) continue;
      if (other.mode === "mock" || wanted.mode === "mock") continue;
      const entry = claim(this.dir, idle);
      if (!entry) continue;
      await new PooledWorker(entry.record, {}).stop();
      drop(entry);
      freed++;
    }
    return { why: freed > 0 ? `${why}; the pooled worker was stopped to free GPU ${wanted.device}` : why };
  }

  /**
   * Hands a held worker back to the pool, idle from now on (synchronous: it
   * runs in exit hooks). False when it is not held or has died (the caller
   * stops what is left of it).
   */
  keep(worker: PoolWorker): boolean {
    const lease = this.leases.get(worker);
    if (!lease) return false;
    this.leases.delete(worker);
    const { record } = lease.entry;
    // The release marker first: a watchdog that has begun to end the worker (an owner died) took it already.
    if (worker.exit || !workerAlive(record) || !takeRelease(lease.release)) {
      drop(lease.entry);
      return false;
    }
    try {
      putIdle(this.dir, { ...record, idleSince: Date.now(), idleMs: lease.idleMs, uses: record.uses + 1 });
    } catch {
      // Released from its watchdog but not recorded: not handed back (the caller stops it).
      drop(lease.entry);
      return false;
    }
    rmSync(lease.entry.path, { force: true });
    if (worker instanceof WorkerProcess) worker.handOver();
    else worker.detach();
    watchdogDone(record.pid);
    ensureJanitor(this.dir);
    return true;
  }

  /** Forgets a held worker that is being stopped (its record and output files go). */
  forget(worker: PoolWorker): void {
    const lease = this.leases.get(worker);
    if (!lease) return;
    this.leases.delete(worker);
    drop(lease.entry);
  }
}

function recordOf(
  worker: WorkerProcess,
  id: string,
  identity: Identity,
  key: string,
  reuse: ReuseSettings,
): PoolRecord {
  const files = worker.startOptions.outputFiles!;
  return {
    id,
    pid: worker.pid,
    stamp: processStamp(worker.pid),
    port: worker.port,
    baseUrl: worker.baseUrl,
    workerId: worker.workerId,
    mark: worker.mark,
    command: worker.command,
    identity,
    key,
    startedAt: new Date(Date.now() - worker.startupMs).toISOString(),
    startupMs: Math.round(worker.startupMs),
    idleSince: Date.now(),
    idleMs: reuse.idleMs,
    graceMs: worker.shutdownGraceMs,
    stdout: files.stdout,
    stderr: files.stderr,
    uses: 0,
  };
}

/** Why no pooled worker was taken, for the banner; undefined when the pool holds nothing to compare with. */
function whyNotTaken(entries: PoolEntry[], wanted: Identity, key: string): string | undefined {
  const same = entries.filter((e) => e.record.key === key && e.state === "leased");
  if (same.length > 0)
    return `the ${same.length} matching pooled worker(s) are in use by other runs (pid ${same
      .map((e) => e.holder?.pid ?? "?")
      .join(", ")})`;
  const others = entries
    .filter((e) => e.record.key !== key)
    .map((e) => differences(wanted, e.record.identity))
    .sort((a, b) => a.length - b.length);
  return others.length > 0 ? others[0].join("; ") : undefined;
}
