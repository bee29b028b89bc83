import { createHash } from "node:crypto";
import { emptyPace, type PaceSamples, REFERENCE } from "../report/pace";
import { now } from "../util/clock";
import { WorkerProcess } from "../worker/worker-process";

/** Tokens of one reference job, and reference jobs run after each test file. */
const TOKENS = 20;
const JOBS_PER_SAMPLE = 2;
/** The CPU probe: SHA-256 over this many bytes, this many times (a few ms on a 2-core CI machine). */
const CPU_BYTES = Buffer.alloc(256 * 1024, 7);
const CPU_ROUNDS = 8;

/** The CPU probe's time in ms: a fixed amount of hashing, in this process. */
function cpuProbe(): number {
  const t0 = now();
  for (let k = 0; k < CPU_ROUNDS; k++) createHash("sha256").update(CPU_BYTES).digest();
  return Math.round((now() - t0) * 1000) / 1000;
}

/**
 * How fast this machine is right now, measured the way the suite's figures
 * are: a reference worker of the package's own (the bundled mock at a fixed
 * 1 ms a token, a process of its own like the worker under test) answers a
 * fixed job after each test file, so its TTFT, TPOT and ITL take the same
 * scheduling delays as the suite's jobs of that moment; a short CPU probe
 * beside it tracks the CPU left to this process. The gate compares the
 * suite's figures with the baseline's after taking out how far the
 * reference moved (see `pace.ts`).
 */
export class PaceProbe {
  private readonly pace = emptyPace();

  private constructor(private readonly worker: WorkerProcess) {}

  /** Starts the reference worker; undefined where it cannot start (the run's report then has no pace). */
  static async start(): Promise<PaceProbe | undefined> {
    try {
      const worker = await WorkerProcess.start({
        binary: "mock",
        model: "mock",
        gpuDevice: 0,
        extraArgs: [...REFERENCE.args],
        callback: false,
        startupTimeoutMs: 30_000,
        shutdownGraceMs: 1_000,
        unref: true,
      });
      const probe = new PaceProbe(worker);
      probe.pace.startupMs.push(Math.round(worker.startupMs * 100) / 100);
      return probe;
    } catch {
      return undefined;
    }
  }

  /** One sample: the reference jobs and the CPU probe (a failed job is skipped: the pace is informative). */
  async sample(): Promise<void> {
    this.pace.cpuMs.push(cpuProbe());
    for (let k = 0; k < JOBS_PER_SAMPLE; k++) {
      const sent = now();
      try {
        const events = await this.worker.client.execute(
          { job_id: `pace-${this.pace.ttftMs.length}`, prompt: "pace", max_tokens: TOKENS },
          { timeoutMs: 10_000 },
        );
        const times = events.filter((e) => e.type === "token").map((e) => e.receivedAt ?? 0);
        if (times.length < 2) continue;
        const end = events.at(-1)?.receivedAt ?? times[times.length - 1];
        const gaps = times
          .slice(1)
          .map((t, i) => t - times[i])
          .sort((a, b) => a - b);
        const round = (v: number) => Math.round(v * 1000) / 1000;
        this.pace.ttftMs.push(round(times[0] - sent));
        this.pace.tpotMs.push(round((end - times[0]) / (times.length - 1)));
        this.pace.itlMs.push(round(gaps[Math.floor(gaps.length / 2)]));
      } catch {
        // the reference worker is no part of the run's verdict
      }
    }
  }

  /** What was measured so far. */
  samples(): PaceSamples {
    return this.pace;
  }

  /** Stops the reference worker. */
  async stop(): Promise<void> {
    await this.worker.stop();
  }
}
