import { realpathSync } from "node:fs";
import { join } from "node:path";
import type { Config } from "@jest/types";
import { presentConfigError } from "../config/options";
import { startRun } from "../runner/run-start";

/**
 * Jest global setup: the run's start ({@link startRun}: orphans ended, GPUs
 * detected, model and binary checked, the banner, the state file), and a
 * line where a `projects` configuration lost the reporter.
 */
export default async function globalSetup(
  globalConfig: Config.GlobalConfig,
  projectConfig: Config.ProjectConfig,
): Promise<void> {
  try {
    const { first } = await startRun({
      projectId: projectConfig.id,
      rawOptions: (projectConfig.testEnvironmentOptions as Record<string, unknown> | undefined)?.workerOrcd,
      rootDir: projectConfig.rootDir,
      silent: globalConfig.silent === true,
    });
    if (first && !globalConfig.silent && reportLostToProjects(globalConfig))
      process.stderr.write(
        "  report: off: Jest takes reporters only from the top level of a `projects` configuration, never from a " +
          'project or its preset; add `reporters: ["default", "worker-orcd-jest/reporter"]` beside `projects` to get it\n',
      );
  } catch (error) {
    throw presentConfigError(error);
  }
}

/** The package's reporter, as Jest resolves it (the root `reporter.js`, or the compiled module it loads). */
const OUR_REPORTERS = [
  join(__dirname, "..", "..", "reporter.js"),
  join(__dirname, "..", "report", "reporter.js"),
].map(real);

/** True when `projects` is used and the top level has no worker-orcd-jest reporter: the preset's was dropped. */
function reportLostToProjects(globalConfig: Config.GlobalConfig): boolean {
  if ((globalConfig.projects?.length ?? 0) === 0) return false;
  const names = (globalConfig.reporters ?? []).map((r) => (Array.isArray(r) ? r[0] : r));
  return !names.some((n) => typeof n === "string" && OUR_REPORTERS.includes(real(n)));
}

function real(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
