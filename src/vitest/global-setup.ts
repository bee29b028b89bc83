import { presentConfigError } from "../config/options";
import { endRun } from "../runner/run-end";
import { startRun } from "../runner/run-start";
import { ISOLATE_KEY, OPTIONS_KEY, OPTIONS_NAME, ROOT_KEY } from "./keys";

/** What Vitest's `globalSetup` gets (a `TestProject`), as far as this package reads it. */
export interface VitestProject {
  name: string;
  config: { root: string; testNamePattern?: unknown; update?: unknown; silent?: unknown; isolate?: unknown };
  getProvidedContext(): Record<string, unknown>;
  provide(key: string, value: unknown): void;
}

/**
 * Vitest's global setup: the run's start, as under Jest (orphans ended, GPUs
 * detected, model and binary checked, the banner, the state file the test
 * files read); resolves with the run's end, which Vitest calls last.
 */
export async function setup(project: VitestProject): Promise<() => Promise<void>> {
  const silent = project.config.silent === true;
  try {
    await startRun({
      projectId: `vitest:${project.name}`,
      rawOptions: project.getProvidedContext()[OPTIONS_KEY],
      rootDir: project.config.root,
      silent,
      optionsName: OPTIONS_NAME,
      processName: "Vitest worker process when isolate is false",
    });
  } catch (error) {
    throw presentConfigError(error);
  }
  project.provide(ROOT_KEY, project.config.root);
  project.provide(ISOLATE_KEY, project.config.isolate !== false);
  return () =>
    endRun({
      silent,
      wholeFiles: !project.config.testNamePattern,
      removeObsolete: project.config.update === true || project.config.update === "all",
    });
}
