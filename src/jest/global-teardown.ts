import { ownState, readState, removeState, STATE_VAR } from "./state";

/**
 * Jest global teardown: removes exactly what this run's global setup created
 * (the state file's temp dir), never an outer run's.
 */
export default async function globalTeardown(): Promise<void> {
  if (!ownState(readState())) return;
  removeState(process.env[STATE_VAR]);
  delete process.env[STATE_VAR];
}
