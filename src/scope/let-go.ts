import { atExit } from "../util/at-exit";
import type { StopReport } from "../worker/stop-tree";

/** What {@link letGo} needs of a worker: a started one, or one taken from the reuse pool. */
export interface Stoppable {
  readonly spec: { binary: string };
  stop(): Promise<StopReport>;
  terminateNow(): void;
}

/** Mock workers that files let go of, with their stops still finishing (seen through by {@link finishingStops}). */
const finishing = new Map<Stoppable, Promise<unknown>>();
// An exiting process cannot await: its unfinished stops get SIGTERM again and lose their registry records.
atExit(() => {
  for (const w of finishing.keys()) w.terminateNow();
});

/**
 * Stops a worker a file is done with. The stop begins at once (SIGTERM to its
 * group, then SIGKILL after the grace). A real worker is awaited to the end:
 * its GPU memory must be free before another loads. The bundled mock, which
 * holds no GPU and ends within milliseconds, is not: the file's teardown goes
 * on while it exits, and global teardown (in band), an exit hook and the
 * watchdog see the stop through.
 */
export async function letGo(worker: Stoppable): Promise<void> {
  const stopping = worker.stop();
  if (worker.spec.binary !== "mock") {
    await stopping;
    return;
  }
  finishing.set(
    worker,
    stopping.finally(() => finishing.delete(worker)),
  );
}

/** Resolves once every stop {@link letGo} left under way has finished (global teardown of an in-band run). */
export async function finishingStops(): Promise<void> {
  await Promise.all(finishing.values());
}
