import { readFileSync, statSync } from "node:fs";
import { parseArgs } from "node:util";
import { envFlag } from "../config/booleans";
import { LIMITS, PORT_RANGE } from "../protocol/limits";
import { unknownFlag } from "../util/command-line";
import { type Faults, parseFaults } from "./faults";
import { type MockScript, parseScript } from "./script";

/** Everything the mock worker reads from its command line and environment. */
export interface MockOptions {
  workerId: string;
  model: string;
  gpuDevice: number;
  port: number;
  callbackUrl?: string;
  /** Address to listen on. Default 127.0.0.1 (the build binds 0.0.0.0; pass `--bind 0.0.0.0` for that). */
  bind: string;
  maxTokensIn: number;
  maxTokensOut: number;
  inferenceTimeoutSec: number;
  kvCacheSizeMb: number;
  /** Behave like the last real builds (docs/protocol.md, compatibility section). */
  compat: boolean;
  /** Delay between tokens. */
  tokenIntervalMs: number;
  /** Delay before the first token. */
  firstTokenDelayMs: number;
  /** Simulated model load time. */
  loadTimeMs: number;
  /** End with `eos` after this many tokens; 0 = never; undefined = derived from prompt and seed. */
  eosAfter?: number;
  /** Send a `metrics` event every this many tokens; 0 = never. Default 16. */
  metricsEvery: number;
  /** Tokens and ending of every job (a request's own script header wins). */
  script?: MockScript;
  /** Serve the transcripts recorded under this folder instead of generating (`--replay`). */
  replay?: string;
  /** Recorded timing × this in replay (0 = at once). Default 1. */
  replaySpeed: number;
  faults: Faults;
  /** Where tokens come from: `"fixed"`, the mock's own list (default), or `"llama"`, llama.cpp over `--model`. */
  engine: "fixed" | "llama";
  /** Llama engine: CPU threads. Default 1. */
  threads: number;
  /** Llama engine: `"off"` (CPU, default), `"auto"`, `"cuda"` or `"vulkan"`. */
  llamaGpu: "off" | "auto" | "cuda" | "vulkan";
}

/** Usage text printed on a bad command line. */
export const USAGE = `usage: worker-orcd-mock [--help] --worker-id <uuid> --model <path.gguf|mock> --gpu-device <n> --port <port> [--callback-url <url>] [--bind <addr>]
  tuning: --max-tokens-in <n> --max-tokens-out <n> --inference-timeout-sec <n> --kv-cache-size-mb <n>
  mock:   --compat --token-interval-ms <ms> --first-token-delay-ms <ms> --load-time-ms <ms> --eos-after <n> --metrics-every <n>
          --script <json|@file> --replay <dir> --replay-speed <x> --fault <modes>
  engine: --engine fixed|llama (llama: real tokens from --model through node-llama-cpp) --threads <n> --llama-gpu off|auto|cuda|vulkan
  environment: WORKER_ORCD_MOCK_COMPAT=1, WORKER_ORCD_MOCK_TOKEN_INTERVAL_MS, WORKER_ORCD_MOCK_FIRST_TOKEN_DELAY_MS,
               WORKER_ORCD_MOCK_LOAD_TIME_MS, WORKER_ORCD_MOCK_EOS_AFTER, WORKER_ORCD_MOCK_FAULT=<mode[:n],...>,
               WORKER_ORCD_MOCK_METRICS_EVERY, WORKER_ORCD_MOCK_SCRIPT=<json|@file>, WORKER_ORCD_MOCK_BIND (default 127.0.0.1),
               WORKER_ORCD_MOCK_ENGINE, WORKER_ORCD_MOCK_THREADS, WORKER_ORCD_MOCK_LLAMA_GPU
  per request: header x-worker-orcd-mock-script: {"tokens":["..."],"end":"eos|max_tokens|error","error":{"code":"..."}}`;

/** A command-line problem: the mock exits 2 with this message and the usage. */
export class UsageError extends Error {}

/** `--help` / `-h`: the mock prints the usage on stdout and exits 0. */
export class HelpRequested extends Error {}

function int(
  name: string,
  raw: string | undefined,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`${name} must be an integer between ${min} and ${max}, got ${JSON.stringify(raw)}`);
  }
  return n;
}

/** The mock's flags, as node:util parses them. */
const MOCK_FLAGS = {
  "worker-id": { type: "string" },
  model: { type: "string" },
  "gpu-device": { type: "string" },
  port: { type: "string" },
  "callback-url": { type: "string" },
  bind: { type: "string" },
  "max-tokens-in": { type: "string" },
  "max-tokens-out": { type: "string" },
  "inference-timeout-sec": { type: "string" },
  "kv-cache-size-mb": { type: "string" },
  compat: { type: "boolean" },
  "token-interval-ms": { type: "string" },
  "first-token-delay-ms": { type: "string" },
  "load-time-ms": { type: "string" },
  "eos-after": { type: "string" },
  "metrics-every": { type: "string" },
  script: { type: "string" },
  replay: { type: "string" },
  "replay-speed": { type: "string" },
  fault: { type: "string" },
  engine: { type: "string" },
  threads: { type: "string" },
  "llama-gpu": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** Parses argv (without node and script) and the environment. Throws {@link UsageError}. */
export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): MockOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: argv, strict: true, options: MOCK_FLAGS }));
  } catch (error) {
    throw new UsageError(unknownFlag((error as Error).message, MOCK_FLAGS));
  }
  if (values.help === true) throw new HelpRequested();
  const str = (k: string) => values[k] as string | undefined;
  const compat = values.compat === true || mockFlag(env, "WORKER_ORCD_MOCK_COMPAT");
  for (const required of ["worker-id", "model", "gpu-device", "port"]) {
    if (!str(required)) throw new UsageError(`--${required} is required`);
  }
  if (compat && !str("callback-url")) {
    throw new UsageError(
      "--callback-url is required (compat mode behaves like the last real builds, which require it)",
    );
  }
  // Any id, as the real builds take it (their clap argument is a plain string: `--worker-id w1` works).
  const workerId = str("worker-id")!;
  const callbackUrl = str("callback-url");
  if (callbackUrl !== undefined && !/^https?:\/\//.test(callbackUrl)) {
    throw new UsageError(`--callback-url must be an http(s) URL, got ${JSON.stringify(callbackUrl)}`);
  }
  const eos = str("eos-after") ?? env.WORKER_ORCD_MOCK_EOS_AFTER;
  const engine = oneOf("--engine", str("engine") ?? env.WORKER_ORCD_MOCK_ENGINE, ["fixed", "llama"] as const);
  if (engine === "llama" && str("model") === "mock") {
    throw new UsageError(
      "--engine llama needs --model to be a .gguf file, not the word 'mock'; write a small one with `worker-orcd-jest write-model`",
    );
  }
  return {
    workerId,
    model: str("model")!,
    gpuDevice: int("--gpu-device", str("gpu-device"), 0, 0, 63),
    // The build takes any u16 (clap) and fails only at bind time; the specification says 1024-65535.
    port: int("--port", str("port"), 0, compat ? 0 : PORT_RANGE.min, PORT_RANGE.max),
    callbackUrl,
    bind: str("bind") ?? env.WORKER_ORCD_MOCK_BIND ?? "127.0.0.1",
    maxTokensIn: int("--max-tokens-in", str("max-tokens-in"), LIMITS.promptMaxChars, 1),
    maxTokensOut: int("--max-tokens-out", str("max-tokens-out"), LIMITS.maxTokensMax, 1),
    inferenceTimeoutSec: int("--inference-timeout-sec", str("inference-timeout-sec"), 300, 1),
    kvCacheSizeMb: int("--kv-cache-size-mb", str("kv-cache-size-mb"), 48, 0),
    compat,
    // The llama engine's pace is the model's own: no added delay unless one is asked for.
    tokenIntervalMs: int(
      "--token-interval-ms",
      str("token-interval-ms") ?? env.WORKER_ORCD_MOCK_TOKEN_INTERVAL_MS,
      engine === "llama" ? 0 : 1,
      0,
    ),
    firstTokenDelayMs: int(
      "--first-token-delay-ms",
      str("first-token-delay-ms") ?? env.WORKER_ORCD_MOCK_FIRST_TOKEN_DELAY_MS,
      0,
      0,
    ),
    loadTimeMs: int("--load-time-ms", str("load-time-ms") ?? env.WORKER_ORCD_MOCK_LOAD_TIME_MS, 0, 0),
    eosAfter: eos === undefined || eos === "" ? undefined : int("--eos-after", eos, 0, 0),
    metricsEvery: int("--metrics-every", str("metrics-every") ?? env.WORKER_ORCD_MOCK_METRICS_EVERY, 16, 0),
    script: scriptOf(str("script") ?? env.WORKER_ORCD_MOCK_SCRIPT),
    replay: replayDirOf(str("replay")),
    replaySpeed: speedOf(str("replay-speed")),
    faults: faultsOf(str("fault") ?? env.WORKER_ORCD_MOCK_FAULT ?? ""),
    engine,
    threads: int("--threads", str("threads") ?? env.WORKER_ORCD_MOCK_THREADS, 1, 1, 256),
    llamaGpu: oneOf("--llama-gpu", str("llama-gpu") ?? env.WORKER_ORCD_MOCK_LLAMA_GPU, [
      "off",
      "auto",
      "cuda",
      "vulkan",
    ] as const),
  };
}

/** One of `choices` (the first when unset); anything else is a usage error. */
function oneOf<T extends string>(name: string, raw: string | undefined, choices: readonly T[]): T {
  if (raw === undefined || raw === "") return choices[0];
  if ((choices as readonly string[]).includes(raw)) return raw as T;
  throw new UsageError(`${name} must be ${choices.join(" or ")}, got ${JSON.stringify(raw)}`);
}

function replayDirOf(dir: string | undefined): string | undefined {
  if (dir === undefined) return undefined;
  try {
    if (!statSync(dir).isDirectory()) throw new Error("not a folder");
  } catch (error) {
    throw new UsageError(
      `--replay ${JSON.stringify(dir)}: ${(error as Error).message}; give the folder that holds the __transcripts__ folders`,
    );
  }
  return dir;
}

function speedOf(raw: string | undefined): number {
  if (raw === undefined || raw === "") return 1;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0)
    throw new UsageError(`--replay-speed must be a number >= 0 (0 = at once), got ${JSON.stringify(raw)}`);
  return n;
}

/** `--script` / `WORKER_ORCD_MOCK_SCRIPT`: JSON, or `@path` of a JSON file. */
function scriptOf(spec: string | undefined): MockScript | undefined {
  if (spec === undefined || spec === "") return undefined;
  try {
    if (!spec.startsWith("@")) return parseScript(spec, "--script / WORKER_ORCD_MOCK_SCRIPT");
    const file = spec.slice(1);
    return parseScript(readFileSync(file, "utf8"), `--script file ${file}`);
  } catch (error) {
    throw new UsageError(unknownFlag((error as Error).message, MOCK_FLAGS));
  }
}

/** A boolean variable of the mock (1/true/yes/on, 0/false/no/off); anything else is a usage error. */
function mockFlag(env: NodeJS.ProcessEnv, name: string): boolean {
  try {
    return envFlag(env, name);
  } catch (error) {
    throw new UsageError(unknownFlag((error as Error).message, MOCK_FLAGS));
  }
}

function faultsOf(spec: string): Faults {
  try {
    return parseFaults(spec);
  } catch (error) {
    throw new UsageError(`WORKER_ORCD_MOCK_FAULT / --fault: ${(error as Error).message}`);
  }
}
