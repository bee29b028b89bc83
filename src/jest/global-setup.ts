import type { Config } from "@jest/types";
import { detectGpus } from "../checks/gpu";
import { presentConfigError, resolveOptions } from "../config/options";
import { reapOrphans } from "../worker/registry";
import { banner, planWorker } from "./plan";
import {
  ownState,
  readState,
  removeStaleRuns,
  removeState,
  type SharedState,
  STATE_VAR,
  writeState,
} from "./state";

/**
 * Jest global setup: ends workers a killed earlier run left alive, detects
 * GPUs once, checks the model and binary, prints a banner, and shares the
 * result with every test file through a state file in a temp dir of this run.
 */
export default async function globalSetup(
  globalConfig: Config.GlobalConfig,
  projectConfig: Config.ProjectConfig,
): Promise<void> {
  try {
    await setup(globalConfig, projectConfig);
  } catch (error) {
    throw presentConfigError(error);
  }
}

async function setup(globalConfig: Config.GlobalConfig, projectConfig: Config.ProjectConfig): Promise<void> {
  const reaped = reapOrphans();
  if (reaped.length > 0) {
    process.stderr.write(
      `worker-orcd-jest: ended ${reaped.length} worker(s) left alive by an earlier run (pids ${reaped.join(", ")})\n`,
    );
  }
  removeStaleRuns();
  // A state file of this run (an earlier project's global setup) is merged; one
  // inherited from an outer Jest run (a test that runs Jest) is left alone.
  const inherited = readState();
  const existing = ownState(inherited) ? inherited : undefined;
  const raw = (projectConfig.testEnvironmentOptions as Record<string, unknown> | undefined)?.workerOrcd;
  const options = resolveOptions(raw, undefined, projectConfig.rootDir);
  const gpu = existing?.gpu ?? (await detectGpus());
  const plan = planWorker(options, gpu);
  const state: SharedState = {
    gpu,
    configOptions: { ...existing?.configOptions, [projectConfig.id]: raw ?? null },
  };
  if (existing) removeState(process.env[STATE_VAR]);
  process.env[STATE_VAR] = writeState(state);
  if (!globalConfig.silent) process.stderr.write(`${banner(plan, gpu)}\n`);
}
