import { removeState, STATE_VAR } from "./state";

/** Jest global teardown: removes exactly what global setup created (the state file's temp dir). */
export default async function globalTeardown(): Promise<void> {
  removeState(process.env[STATE_VAR]);
  delete process.env[STATE_VAR];
}
