import type { Config } from "@jest/types";
import { stopKeptWorkers } from "../scope/worker-scope";
import { ownState, readState, readWorkerUse, removeState, STATE_VAR } from "./state";

/**
 * Jest global teardown: stops the worker an in-band run kept (scope
 * `"process"`), prints how many workers the run started, and removes exactly
 * what this run's global setup created (the state file's temp dir), never an
 * outer run's.
 */
export default async function globalTeardown(globalConfig?: Config.GlobalConfig): Promise<void> {
  await stopKeptWorkers();
  if (!ownState(readState())) return;
  const use = readWorkerUse();
  if (use.files > 0 && !globalConfig?.silent) {
    process.stderr.write(
      `worker-orcd-jest: scope ${use.scopes.map((s) => `"${s}"`).join(" and ")}: ${use.started} worker(s) started for ${use.files} file(s)` +
        (use.reused > 0 ? ` (${use.reused} took over a kept worker)` : "") +
        "\n",
    );
  }
  removeState(process.env[STATE_VAR]);
  delete process.env[STATE_VAR];
}
