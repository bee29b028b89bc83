import { isAbsolute, resolve } from "node:path";
import { ConfigError } from "../client/errors";
import { maskUrl } from "../util/mask-url";
import { UnsafeFolderError } from "../util/user-dir";
import { envFlag } from "./booleans";
import { checkOptions, type Rule, rules } from "./check";

/** How the environment picks its worker. */
export type WorkerMode = "auto" | "mock" | "real" | "replay" | "llama";

/** Every {@link WorkerMode}, for messages. */
export const WORKER_MODES: readonly WorkerMode[] = ["auto", "mock", "real", "replay", "llama"];
const MODE_LIST = '"auto", "mock", "real", "replay" or "llama"';

/**
 * How long a worker lives: `"file"`, one per test file (stopped at its
 * teardown); `"process"`, kept by the Jest worker process across the files it
 * runs while healthy, idle and started with the same options.
 */
export type WorkerScope = "file" | "process";

/**
 * Options of the preset, under `testEnvironmentOptions.workerOrcd` in the Jest
 * config or a file's `@jest-environment-options {"workerOrcd": {...}}` docblock.
 */
export interface WorkerOrcdOptions {
  /** Path of a worker-orcd executable, or `"mock"`. Default: `worker-orcd` on PATH when there is one. */
  binary?: string;
  /** Model path (`--model`). Default: `.test-models/qwen/qwen2.5-0.5b-instruct-q4_k_m.gguf` under rootDir. */
  model?: string;
  /** CUDA device, or a list spread over Jest workers by `JEST_WORKER_ID`. Default 0. */
  gpuDevice?: number | number[];
  /**
   * `"auto"` (real where GPU, model and binary are all present, else mock),
   * `"mock"`, `"real"`, `"replay"` (the mock serves recorded transcripts) or
   * `"llama"` (the mock's protocol with real tokens from llama.cpp over
   * `model`; needs node-llama-cpp; never chosen by `"auto"`). Default `"auto"`.
   */
  mode?: WorkerMode;
  /** Deadline from spawn to ready. Default 60 000 ms. */
  startupTimeoutMs?: number;
  /** SIGTERM-to-SIGKILL grace at teardown. Default 5 000 ms. */
  shutdownGraceMs?: number;
  /** Whole-call limit of each client request. Default 120 000 ms. */
  requestTimeoutMs?: number;
  /** Longest silence inside a stream. Default 60 000 ms. */
  idleTimeoutMs?: number;
  /** Arguments appended to the worker's command line, the mock's and a real worker's alike. */
  extraArgs?: string[];
  /** Arguments appended only when the mock worker runs (e.g. `["--compat"]`). */
  mockArgs?: string[];
  /** Arguments appended only when a real worker runs (flags the mock does not know, e.g. `["--flash-attention"]`). */
  realArgs?: string[];
  /** Variables added to the worker's environment. */
  env?: Record<string, string>;
  /** `"file"` (default): a worker per test file; `"process"`: one per Jest worker process, handed from file to file. */
  scope?: WorkerScope;
  /**
   * Scope `"file"` with the mock: start the next file's mock while this file
   * runs (a spare, never shared; stopped with the process when no file takes
   * it). Default true. Real workers are never started ahead.
   */
  prestart?: boolean;
  /** Record every call of the global worker as a transcript named by its job id. Default false. */
  recordTranscripts?: boolean;
  /** `"gpu"`: one transcript per GPU kind (`name@<GPU>.json`); `"none"` (default): one per name. */
  transcriptKey?: "none" | "gpu";
  /** Mode `"replay"`: the folder searched for `__transcripts__` (default rootDir). */
  replayDir?: string;
  /** Mode `"replay"`: recorded timing × this (0 = as fast as possible). Default 1. */
  replaySpeed?: number;
  /**
   * Attach to a running worker instead of starting one: its base URL, or a
   * list spread over Jest worker processes (no two share one). Nothing is
   * spawned or stopped. Also `WORKER_ORCD_URL` (comma-separated).
   */
  url?: string | string[];
  /** Headers sent with every request to the worker (e.g. `Authorization`); never printed. */
  headers?: Record<string, string>;
  /**
   * Keep workers warm across runs: scope `"process"`'s kept workers are not
   * stopped at the end of the run but left in a per-user pool, and a later
   * run (or watch-mode rerun) whose worker would be the same takes one
   * instead of loading the model again. Implies scope `"process"`. Also
   * `WORKER_ORCD_REUSE=1`. Default false.
   */
  reuse?: boolean;
  /** A pooled worker that no run took for this long is stopped. Default 900 000 ms (15 minutes). */
  reuseIdleMs?: number;
  /** Mode `"llama"`: CPU threads of llama.cpp's evaluation. Default 1. */
  llamaThreads?: number;
}

/** Options after defaults, environment variables and validation. */
export interface ResolvedOptions {
  binary?: string;
  model: string;
  /** True when the model came from the user, not the default. */
  modelConfigured: boolean;
  gpuDevices: number[];
  mode: WorkerMode;
  startupTimeoutMs: number;
  shutdownGraceMs: number;
  requestTimeoutMs: number;
  idleTimeoutMs: number;
  extraArgs: string[];
  mockArgs: string[];
  realArgs: string[];
  env: Record<string, string>;
  scope: WorkerScope;
  prestart: boolean;
  recordTranscripts: boolean;
  transcriptKey: "none" | "gpu";
  replayDir?: string;
  replaySpeed: number;
  /** `WORKER_ORCD_REQUIRE_GPU=1` (or true/yes/on): GPU-tagged tests fail instead of skipping. */
  requireGpu: boolean;
  /** Workers to attach to (empty: the package starts its own), as `url` or `WORKER_ORCD_URL` gave them. */
  urls: string[];
  /** Headers for every request to the worker. */
  headers: Record<string, string>;
  /** Workers are left in the reuse pool at the end of the run and taken from it. */
  reuse: boolean;
  reuseIdleMs: number;
  llamaThreads: number;
  /** Where each value came from, for error messages and the banner. */
  sources: Partial<Record<keyof WorkerOrcdOptions, string>>;
}

/** The reference model's path under a rootDir. */
export const DEFAULT_MODEL = ".test-models/qwen/qwen2.5-0.5b-instruct-q4_k_m.gguf";

/** Environment variables the preset reads (they win over every config). */
export const ENV_VARS = {
  binary: "WORKER_ORCD_BIN",
  model: "WORKER_ORCD_MODEL",
  gpuDevice: "WORKER_ORCD_GPU_DEVICE",
  mode: "WORKER_ORCD_MODE",
  requireGpu: "WORKER_ORCD_REQUIRE_GPU",
  scope: "WORKER_ORCD_SCOPE",
  url: "WORKER_ORCD_URL",
  reuse: "WORKER_ORCD_REUSE",
} as const;

export { ConfigError };

/**
 * Rewrites a {@link ConfigError} for Jest to print: prefixed, and with a stack
 * that is only the message (a configuration mistake needs no stack trace).
 * Other errors pass unchanged.
 */
export function presentConfigError(error: unknown): unknown {
  if (!(error instanceof ConfigError) && !(error instanceof UnsafeFolderError)) return error;
  const clean = new ConfigError(`worker-orcd-jest configuration error: ${error.message}`);
  clean.stack = clean.message;
  return clean;
}

type Validator = Rule;
const { duration: positive, strings: stringList, stringRecord, flag } = rules;
const device = (v: unknown) => typeof v === "number" && Number.isInteger(v) && v >= 0;
/** What is wrong with one worker URL, or undefined: an http(s) URL that parses, with a user and password that decode. */
function urlProblem(v: unknown): string | undefined {
  if (typeof v !== "string" || !/^https?:\/\/[^/\s]+/i.test(v))
    return 'is not an http(s) URL such as "http://gpu-1:8080"';
  let parsed: URL;
  try {
    parsed = new URL(v);
  } catch {
    return "does not parse as a URL (a port above 65535, an unclosed [ of an IPv6 address, a character a URL cannot hold?)";
  }
  try {
    decodeURIComponent(parsed.username);
    decodeURIComponent(parsed.password);
  } catch {
    return "has a user or password with a bad % escape (write a literal % as %25)";
  }
  return undefined;
}

/** What is wrong with a `url` value (one URL or a non-empty list), naming the entry (credentials masked); or undefined. */
function urlsProblem(v: unknown): string | undefined {
  const list = Array.isArray(v) ? v : [v];
  if (list.length === 0) return "must be an http(s) URL, or a non-empty list of them";
  for (const [i, entry] of list.entries()) {
    const problem = urlProblem(entry);
    if (problem) {
      const which = Array.isArray(v) ? `entry ${i + 1} ` : "";
      return `${which}${JSON.stringify(typeof entry === "string" ? maskUrl(entry) : entry)} ${problem}`;
    }
  }
  return undefined;
}

const VALIDATORS: Record<keyof WorkerOrcdOptions, Validator> = {
  binary: (v) =>
    typeof v === "string" && v.length > 0 ? undefined : 'must be a path to an executable, or "mock"',
  model: (v) => (typeof v === "string" && v.length > 0 ? undefined : "must be a path to a .gguf file"),
  gpuDevice: (v) =>
    device(v) || (Array.isArray(v) && v.length > 0 && v.every(device))
      ? undefined
      : "must be a device index (integer >= 0) or a non-empty list of them",
  mode: (v) => (WORKER_MODES.includes(v as WorkerMode) ? undefined : `must be ${MODE_LIST}`),
  startupTimeoutMs: positive,
  shutdownGraceMs: positive,
  requestTimeoutMs: positive,
  idleTimeoutMs: positive,
  extraArgs: stringList,
  mockArgs: stringList,
  realArgs: stringList,
  env: stringRecord,
  scope: (v) => (v === "file" || v === "process" ? undefined : 'must be "file" or "process"'),
  prestart: flag,
  recordTranscripts: flag,
  transcriptKey: (v) => (v === "none" || v === "gpu" ? undefined : 'must be "none" or "gpu"'),
  replayDir: (v) => (typeof v === "string" && v.length > 0 ? undefined : "must be a folder path"),
  replaySpeed: (v) =>
    typeof v === "number" && Number.isFinite(v) && v >= 0
      ? undefined
      : "must be a number >= 0 (0 = as fast as possible)",
  url: urlsProblem,
  headers: stringRecord,
  reuse: flag,
  reuseIdleMs: positive,
  llamaThreads: (v) =>
    typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= 256
      ? undefined
      : "must be a whole number of threads, 1 to 256",
};

/** Every option name. */
export const OPTION_NAMES = Object.keys(VALIDATORS) as (keyof WorkerOrcdOptions)[];

/**
 * Checks a raw `workerOrcd` object; throws one {@link ConfigError} naming
 * every problem (an option set to `undefined` is absent).
 */
export function validateOptions(raw: unknown, where: string): WorkerOrcdOptions {
  if (raw !== undefined && raw !== null && (typeof raw !== "object" || Array.isArray(raw))) {
    throw new ConfigError(
      `${where} must be an object of worker-orcd-jest options, got ${JSON.stringify(raw)}`,
    );
  }
  // A header's value may be a secret: never shown. A URL's phrase names it, its credentials masked.
  return checkOptions<WorkerOrcdOptions>(raw, {
    path: `${where}.`,
    rules: VALIDATORS,
    secret: ["headers"],
    describesValue: ["url"],
  });
}

function fromEnv(env: NodeJS.ProcessEnv): {
  options: WorkerOrcdOptions;
  sources: ResolvedOptions["sources"];
} {
  const options: WorkerOrcdOptions = {};
  const sources: ResolvedOptions["sources"] = {};
  if (env[ENV_VARS.binary]) {
    options.binary = env[ENV_VARS.binary];
    sources.binary = ENV_VARS.binary;
  }
  if (env[ENV_VARS.model]) {
    options.model = env[ENV_VARS.model];
    sources.model = ENV_VARS.model;
  }
  const dev = env[ENV_VARS.gpuDevice];
  if (dev) {
    const list = dev.split(",").map((d) => Number(d.trim()));
    if (!list.every(device)) {
      throw new ConfigError(
        `${ENV_VARS.gpuDevice} must be a device index or a comma-separated list (e.g. "0,1"), got ${JSON.stringify(dev)}`,
      );
    }
    options.gpuDevice = list.length === 1 ? list[0] : list;
    sources.gpuDevice = ENV_VARS.gpuDevice;
  }
  const mode = env[ENV_VARS.mode];
  if (mode) {
    if (VALIDATORS.mode(mode))
      throw new ConfigError(`${ENV_VARS.mode} must be ${MODE_LIST}, got ${JSON.stringify(mode)}`);
    options.mode = mode as WorkerMode;
    sources.mode = ENV_VARS.mode;
  }
  const scope = env[ENV_VARS.scope];
  if (scope) {
    if (VALIDATORS.scope(scope))
      throw new ConfigError(`${ENV_VARS.scope} must be "file" or "process", got ${JSON.stringify(scope)}`);
    options.scope = scope as WorkerScope;
    sources.scope = ENV_VARS.scope;
  }
  const url = env[ENV_VARS.url];
  if (url) {
    const list = url
      .split(",")
      .map((u) => u.trim())
      .filter(Boolean);
    const problem = urlsProblem(list.length === 1 ? list[0] : list);
    if (problem)
      throw new ConfigError(
        `${ENV_VARS.url} must be an http(s) URL or a comma-separated list of them: ${problem}`,
      );
    options.url = list;
    sources.url = ENV_VARS.url;
  }
  if (env[ENV_VARS.reuse] !== undefined) {
    options.reuse = envFlag(env, ENV_VARS.reuse);
    sources.reuse = ENV_VARS.reuse;
  }
  return { options, sources };
}

/**
 * Resolves options: environment variables over `fileOptions` (the docblock,
 * field by field) over `configOptions` (the Jest config), over defaults.
 * Relative paths resolve against `rootDir`.
 */
export function resolveOptions(
  configOptions: unknown,
  fileOptions: unknown,
  rootDir: string,
  env: NodeJS.ProcessEnv = process.env,
  /** How the runner's configuration names these options in messages (Vitest: `workerOrcd()`). */
  configName = "testEnvironmentOptions.workerOrcd",
  /** How messages name a file's own options (Vitest: `@vitest-environment-options workerOrcd`). */
  fileName = "@jest-environment-options workerOrcd",
): ResolvedOptions {
  const config = validateOptions(configOptions, configName);
  const file = validateOptions(fileOptions, fileName);
  const fromVars = fromEnv(env);
  const sources: ResolvedOptions["sources"] = {};
  for (const key of OPTION_NAMES) {
    if (key === "scope" && file.scope !== undefined) sources.scope = fileName;
    else if (fromVars.sources[key]) sources[key] = fromVars.sources[key];
    else if (file[key] !== undefined) sources[key] = fileName;
    else if (config[key] !== undefined) sources[key] = configName;
  }
  const merged: WorkerOrcdOptions = { ...config, ...file, ...fromVars.options };
  const path = (p: string) => (p === "mock" || isAbsolute(p) ? p : resolve(rootDir, p));
  const devices = merged.gpuDevice ?? 0;
  const reuse = merged.reuse ?? false;
  if (reuse && merged.url !== undefined)
    throw new ConfigError(
      `reuse (from ${sources.reuse ?? "the config"}) keeps workers this package starts, and url (from ${sources.url ?? "the config"}) ` +
        "attaches to running ones: use one of them",
    );
  const fileScope = merged.scope === "file" && sources.scope !== fileName;
  if (reuse && fileScope)
    throw new ConfigError(
      `reuse keeps the workers of scope "process", but scope is "file" (from ${sources.scope}): ` +
        'leave scope out, or set it to "process" (a file that needs a fresh worker can say scope "file" in its docblock)',
    );
  return {
    binary: merged.binary === undefined ? undefined : path(merged.binary),
    model: path(merged.model ?? DEFAULT_MODEL),
    modelConfigured: merged.model !== undefined,
    gpuDevices: Array.isArray(devices) ? devices : [devices],
    mode: merged.mode ?? "auto",
    startupTimeoutMs: Math.ceil(merged.startupTimeoutMs ?? 60_000),
    shutdownGraceMs: Math.ceil(merged.shutdownGraceMs ?? 5_000),
    requestTimeoutMs: Math.ceil(merged.requestTimeoutMs ?? 120_000),
    idleTimeoutMs: Math.ceil(merged.idleTimeoutMs ?? 60_000),
    extraArgs: merged.extraArgs ?? [],
    mockArgs: merged.mockArgs ?? [],
    realArgs: merged.realArgs ?? [],
    env: { ...config.env, ...file.env },
    // The one exception to "environment first": a file that needs its own worker knows it better than the run.
    scope: file.scope ?? merged.scope ?? (reuse ? "process" : "file"),
    prestart: merged.prestart ?? true,
    recordTranscripts: merged.recordTranscripts ?? false,
    transcriptKey: merged.transcriptKey ?? "none",
    replayDir: merged.replayDir === undefined ? undefined : path(merged.replayDir),
    replaySpeed: merged.replaySpeed ?? 1,
    requireGpu: envFlag(env, ENV_VARS.requireGpu),
    urls: merged.url === undefined ? [] : Array.isArray(merged.url) ? merged.url : [merged.url],
    headers: { ...config.headers, ...file.headers },
    reuse,
    reuseIdleMs: Math.ceil(merged.reuseIdleMs ?? 900_000),
    llamaThreads: merged.llamaThreads ?? 1,
    sources,
  };
}
