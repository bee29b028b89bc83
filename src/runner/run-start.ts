import { detectGpus } from "../checks/gpu";
import { ConfigError, resolveOptions } from "../config/options";
import {
  ownState,
  readState,
  removeStaleRuns,
  removeState,
  type SharedState,
  STATE_VAR,
  writeState,
} from "../run/state";
import { workerAddress } from "../scope/attach-address";
import { offerFirstWorker } from "../scope/first-worker";
import { banner, planWorker, type WorkerPlan, workerStartOptions } from "../scope/plan";
import { reapOrphans } from "../worker/registry";

/**
 * What a run does once, before any test file, whatever the runner: ends
 * workers a killed earlier run left alive, detects GPUs, checks the model
 * and binary, prints the banner, and shares the result with every test file
 * through a state file in a temp dir of this run. Called once per project
 * (Jest's global setup, Vitest's `globalSetup`): a second project's call
 * merges into the first's state. `first` is true for the run's first call.
 */
export async function startRun(o: {
  /** The project's id (Jest's `projectConfig.id`, Vitest's project name). */
  projectId: string;
  /** The project's `workerOrcd` options as configured. */
  rawOptions: unknown;
  rootDir: string;
  /** Print nothing (Jest's `--silent`). */
  silent: boolean;
  /** How the runner's configuration names the options in messages (default: Jest's `testEnvironmentOptions.workerOrcd`). */
  optionsName?: string;
  /** What the runner calls a process that runs test files one after another (default: "Jest worker process"). */
  processName?: string;
}): Promise<{ first: boolean }> {
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
  const raw = o.rawOptions;
  const options = resolveOptions(raw, undefined, o.rootDir, process.env, o.optionsName);
  const gpu = existing?.gpu ?? (await detectGpus());
  // What depends on options a file's docblock can override (mode, binary, model) is
  // decided per file by the environment; here a problem is only reported.
  let plan: WorkerPlan;
  let note = "";
  try {
    plan = planWorker(options, gpu);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // The banner still shows the binary and model as configured (only the plan falls back to the mock).
    const fallback = planWorker({ ...options, mode: "mock", modelConfigured: false }, gpu);
    plan = { ...fallback, why: `mode "${options.mode}" cannot run as configured; see the note` };
    const fromEnv = options.sources.mode?.startsWith("WORKER_ORCD_");
    note = fromEnv
      ? `\n  note: every file will fail (${options.sources.mode} sets the mode, and it wins over a docblock): ${error.message}`
      : `\n  note: files that do not override it in their docblock will fail: ${error.message}`;
  }
  const state: SharedState = {
    gpu,
    configOptions: { ...existing?.configOptions, [o.projectId]: raw ?? null },
    models: [...(existing?.models ?? []), ...(plan.modelReport.ok ? [plan.modelReport] : [])],
  };
  // An in-band run starts this worker ahead once Jest has scheduled it (see runScheduled); never one for files
  // whose configuration fails (the note): nothing would take it.
  if (plan.kind === "mock" && options.prestart && !options.reuse && note === "")
    offerFirstWorker(workerStartOptions(plan, options, o.rootDir));
  if (existing) removeState(process.env[STATE_VAR]);
  process.env[STATE_VAR] = writeState(state);
  const scope =
    options.scope === "process"
      ? `process (one worker per ${o.processName ?? "Jest worker process"}, handed from file to file${options.sources.scope ? `; from ${options.sources.scope}` : ""})`
      : "file (one worker per test file)";
  const reuse = options.reuse ? `\n  reuse: ${describePool(options.reuseIdleMs)}` : "";
  const attached =
    options.urls.length > 0 ? `\n${await describeAttached(options.urls, options.headers)}` : "";
  if (!o.silent)
    process.stderr.write(
      `${banner(plan, gpu)}\n  scope: ${attached ? "attached" : scope}${reuse}${note}${attached}\n`,
    );
  return { first: !existing };
}

/** The banner's line for `reuse`: where the pool is, what it holds, and how long a worker may idle there. */
function describePool(idleMs: number): string {
  const { ensurePool, listPool, poolDir } =
    require("../scope/pool/store") as typeof import("../scope/pool/store");
  const dir = poolDir();
  ensurePool(dir);
  const entries = listPool(dir);
  const idle = entries.filter((e) => e.state === "idle").length;
  return (
    `workers are left warm in the pool ${dir} at the end of the run (stopped after ${Math.round(idleMs / 1000)} s unused); ` +
    `it holds ${idle} idle and ${entries.length - idle} in use now (worker-orcd-jest workers)`
  );
}

/** The banner's lines for attached workers: each URL (no credentials) and what its `/health` says. */
async function describeAttached(urls: string[], headers: Record<string, string>): Promise<string> {
  const { WorkerClient } = require("../client/worker-client") as typeof import("../client/worker-client");
  const lines = await Promise.all(
    urls.map(async (url) => {
      const address = workerAddress(url, headers);
      try {
        const h = (await new WorkerClient(address.baseUrl, { headers: address.headers }).health({
          timeoutMs: 3000,
        })) as Record<string, unknown>;
        const vram = h.vram_bytes_used ?? h.vram_bytes;
        const facts = [
          h.model !== undefined ? `model ${String(h.model)}` : "",
          h.quant_kind !== undefined ? String(h.quant_kind) : "",
          typeof vram === "number" ? `VRAM ${Math.round(vram / 2 ** 20)} MiB` : "",
        ].filter(Boolean);
        return `    ${address.baseUrl}: ${String(h.status)}${facts.length ? ` (${facts.join(", ")})` : ""}`;
      } catch (error) {
        return `    ${address.baseUrl}: no healthy answer yet (${(error as Error).message.split("\n")[0]})`;
      }
    }),
  );
  return [
    `  attached to ${urls.length} running worker(s), spread over the Jest worker processes (one each); GPU, model and binary checks are not applied to a remote worker:`,
    ...lines,
  ].join("\n");
}
