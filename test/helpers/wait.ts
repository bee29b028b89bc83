import { spawnSync } from "node:child_process";
import type { WorkerProcess } from "../../src/worker/worker-process";

/** Waits `ms`: for a pause before checking that something did NOT happen, never to wait for an event. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `check` every 20 ms until it gives a truthy value, and returns that
 * value. The bound is generous (a loaded machine is slow, not wrong): past
 * it the wait throws, naming `what`.
 */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  what: string,
  ms = 20_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(20);
  }
}

/**
 * Waits until the worker's log says it began job `jobId`: the mock's
 * `job started` line (plain or compat's tracing shape) or the real build's
 * `Inference request validated`. From then on the job is running, so a test
 * can act on a busy worker without guessing how long a request takes.
 */
export async function jobStarted(
  worker: Pick<WorkerProcess, "logs">,
  jobId: string,
  ms = 20_000,
): Promise<void> {
  const line = new RegExp(`(job started|Inference request validated).*"job_id":${JSON.stringify(jobId)}`);
  await waitFor(() => worker.logs.some(line), `the worker's log to say job "${jobId}" started`, ms);
}

/** Waits until process `pid` runs `command` (its exec done), so /proc shows what a record would name. */
export async function execed(pid: number, command: string, ms = 20_000): Promise<void> {
  const cmdline = () =>
    spawnSync("cat", [`/proc/${pid}/cmdline`])
      .stdout.toString()
      .replace(/\0/g, " ")
      .trim();
  await waitFor(() => cmdline() === command, `process ${pid} to run "${command}"`, ms);
}
