import { noteSpareStarted, readRunShape, readWorkerUse, writeRunShape } from "../run/state";
import { prestartFirstWorker } from "../scope/first-worker";

/**
 * The preset's reporter calls this from `onRunStart`, the first moment Jest
 * has decided how many files run and whether in band: the shape is noted for
 * every Jest process of the run, and an in-band run starts the first file's
 * mock ahead (global setup offered its options), while Jest loads the
 * environment and the test file. Resolves once that mock is spawned: Jest
 * awaits `onRunStart`, and what it does next would hold up the spawn.
 */
export async function runScheduled(files: number, inBand: boolean, maxWorkers: number): Promise<void> {
  writeRunShape({ files, inBand, workers: inBand ? 1 : Math.max(1, Math.min(maxWorkers, files)) });
  await prestartFirstWorker(inBand, () => noteSpareStarted());
}

/**
 * Whether a spare for a next file is likely to be taken: true while at least
 * as many files are still to come (after the one about to get its worker) as
 * Jest has processes running them, so that this process can expect one of
 * them; false near the run's end (in band: for the last file), where a spare
 * would only be stopped unused. True when the run's shape is not known.
 */
export function moreFilesFollow(): boolean {
  const shape = readRunShape();
  if (!shape) return true;
  const use = readWorkerUse();
  // Files that failed to get a worker have had their turn too.
  const after = shape.files - (use.files + use.failedFiles + 1);
  return after >= Math.max(1, shape.workers ?? 1);
}
