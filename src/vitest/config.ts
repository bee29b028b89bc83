import { join } from "node:path";
import { ConfigError } from "../client/errors";
import { presentConfigError, type WorkerOrcdOptions } from "../config/options";
import { OPTIONS_KEY, OPTIONS_NAME } from "./keys";

/** The package's root (where `vitest-setup.mjs` and `vitest-global-setup.mjs` are). */
const ROOT = join(__dirname, "..", "..");

export { OPTIONS_KEY, OPTIONS_NAME } from "./keys";

/** What {@link workerOrcd} adds to the Vitest configuration. */
export interface WorkerOrcdVitestConfig {
  test: {
    globalSetup: string[];
    setupFiles: string[];
    provide: Record<string, unknown>;
  };
}

/** A Vite plugin, as Vitest's `plugins` takes it (no dependency on Vite's types). */
export interface WorkerOrcdPlugin {
  name: string;
  config(): WorkerOrcdVitestConfig;
  /** Vitest's hook for each project (Vitest 3.1 and later): refuses what the package cannot serve. */
  configureVitest(context: { project: { name: string; config: { browser?: { enabled?: boolean } } } }): void;
}

/**
 * The browser mode runs test files in a browser, where no worker process can
 * be started or signalled and no file of the run's state can be read: the
 * plugin refuses it with one line instead of failing each file.
 */
function refuseBrowser(project: { name: string; config: { browser?: { enabled?: boolean } } }): void {
  if (!project.config.browser?.enabled) return;
  const which = project.name ? `project ${JSON.stringify(project.name)}` : "this project";
  const error = new ConfigError(
    `${OPTIONS_NAME} does not run in Vitest's browser mode (${which} has browser.enabled): the worker is a local ` +
      "process the tests start and stop; run these tests in Node (pool forks or threads), e.g. in a project of " +
      "their own without `browser`",
  );
  throw presentConfigError(error);
}

/**
 * The Vitest plugin: `plugins: [workerOrcd({ ...options })]` in
 * `vitest.config.ts`. It adds the run's global setup (GPU and model checks,
 * the banner, the orphan sweep; the run's end) and a setup file that gives
 * each test file its worker, with the options Jest takes as
 * `testEnvironmentOptions.workerOrcd` (the same names, the same
 * `WORKER_ORCD_*` variables, the same precedence).
 */
export function workerOrcd(options: WorkerOrcdOptions = {}): WorkerOrcdPlugin {
  return {
    name: "worker-orcd-jest",
    config: () => ({
      test: {
        globalSetup: [join(ROOT, "vitest-global-setup.mjs")],
        setupFiles: [join(ROOT, "vitest-setup.mjs")],
        provide: { [OPTIONS_KEY]: options },
      },
    }),
    configureVitest: ({ project }) => refuseBrowser(project),
  };
}

/**
 * The conformance suite as a Vitest project: `test: { projects: [{ extends: true }, conformanceProject()] }`.
 * It is configured by the same variables as the Jest project (WORKER_ORCD_BIN, WORKER_ORCD_MODEL,
 * WORKER_ORCD_GPU_DEVICE, WORKER_ORCD_CONFORMANCE_ARGS, WORKER_ORCD_CONFORMANCE_ALLOW); one test per clause.
 */
export function conformanceProject(): {
  test: { name: string; root: string; include: string[]; testTimeout: number; hookTimeout: number };
} {
  return {
    test: {
      name: "worker-orcd conformance",
      root: ROOT,
      include: ["vitest-conformance.test.mjs"],
      testTimeout: 600_000,
      hookTimeout: 600_000,
    },
  };
}

export { WorkerOrcdVitestReporter, workerOrcdReporter } from "./reporter";
