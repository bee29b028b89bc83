import { ownState, readState, readWorkerUse, removeState, STATE_VAR } from "../run/state";
import { stopKeptWorkers } from "../scope/worker-scope";
import { obsoleteTranscripts } from "../transcripts/usage";

/**
 * What a run does once, after its last test file, whatever the runner:
 * stops the worker an in-band run kept (scope `"process"`), prints how many
 * workers the run started and how files got theirs, names obsolete
 * transcripts, and removes exactly what this run's start created (the state
 * file's temp dir), never an outer run's.
 */
export async function endRun(o: {
  /** Print nothing (Jest's `--silent`). */
  silent?: boolean;
  /** Whole files ran (no test name filter): only then can a transcript be called obsolete. */
  wholeFiles: boolean;
  /** Remove obsolete transcripts (Jest's `-u`). */
  removeObsolete: boolean;
}): Promise<void> {
  await stopKeptWorkers();
  if (!ownState(readState())) return;
  const use = readWorkerUse();
  if ((use.files > 0 || use.started > 0) && !o.silent) {
    const how = [
      use.kept > 0 ? `${use.kept} took over a kept worker` : "",
      use.ahead > 0 ? `${use.ahead} got one started ahead` : "",
      use.unusedSpares > 0
        ? `${use.unusedSpares} spare(s) started ahead were not needed and were stopped`
        : "",
      use.failedSpares > 0
        ? `${use.failedSpares} started ahead failed to start (their files got the error)`
        : "",
      use.unusedByFiles > 0
        ? `${use.unusedByFiles} given back unused by file(s) that ran no test (filtered out, or failed to load)`
        : "",
      use.harnesses > 0 ? `${use.harnesses} by WorkerTestHarness` : "",
      use.attached > 0 ? `${use.attached} attached to a running worker, which was left running` : "",
      use.pooled > 0 ? `${use.pooled} took a warm worker from the reuse pool` : "",
    ].filter(Boolean);
    // Files that all failed before getting a worker noted no scope: say so rather than print an empty name.
    const scopes =
      use.scopes.length > 0
        ? `scope ${use.scopes.map((s) => `"${s}"`).join(" and ")}`
        : "no file got a worker";
    process.stderr.write(
      `worker-orcd-jest: ${scopes}: ${use.started} worker(s) started for ${use.files} file(s)` +
        (how.length > 0 ? ` (${how.join("; ")})` : "") +
        "\n",
    );
  }
  // Like Jest's obsolete snapshots: only a run of whole files (no -t) can tell; -u removes them.
  if (o.wholeFiles) {
    const remove = o.removeObsolete;
    const obsolete = obsoleteTranscripts(process.env[STATE_VAR], remove);
    if (obsolete.length > 0 && !o.silent) {
      process.stderr.write(
        `worker-orcd-jest: ${obsolete.length} obsolete transcript(s), used by no test of this run${remove ? " (removed: -u)" : " (run with -u to remove them)"}:\n` +
          obsolete.map((f) => `  ${f}\n`).join(""),
      );
    }
  }
  removeState(process.env[STATE_VAR]);
  delete process.env[STATE_VAR];
}
