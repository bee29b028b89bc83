import { CHECKS, ConfigError } from "../config/options";
import { FAULT_MODES } from "../mock/faults";
import { didYouMean } from "../util/suggest";

type Check = (value: unknown) => string | undefined;

const { duration, strings, stringRecord: env, flag: boolean } = CHECKS;
const string: Check = (v) => (typeof v === "string" && v !== "" ? undefined : "must be a non-empty string");
const count =
  (min: number, max = Number.MAX_SAFE_INTEGER): Check =>
  (v) =>
    typeof v === "number" && Number.isInteger(v) && v >= min && v <= max
      ? undefined
      : `must be a whole number from ${min} to ${max}`;
const ms: Check = (v) =>
  typeof v === "number" && Number.isFinite(v) && v >= 0 ? undefined : "must be a number of milliseconds >= 0";
const anything: Check = () => undefined;
const faults: Check = (v) => {
  if (!Array.isArray(v)) return `must be an array of fault modes (${Object.keys(FAULT_MODES).join(", ")})`;
  const bad = v.find((f) => typeof f !== "string" || !(f.split(":")[0] in FAULT_MODES));
  return bad === undefined
    ? undefined
    : `has an unknown fault mode ${JSON.stringify(bad)}; known: ${Object.keys(FAULT_MODES).join(", ")}`;
};

/** Every option of `WorkerTestHarness.start`, with its check. */
const START: Record<string, Check> = {
  binary: string,
  model: string,
  gpuDevice: count(0, 1024),
  workerId: string,
  extraArgs: strings,
  startupTimeoutMs: duration,
  shutdownGraceMs: duration,
  requestTimeoutMs: duration,
  idleTimeoutMs: duration,
  env,
  callback: boolean,
  portAttempts: count(1, 100),
  port: count(1, 65535),
  jobs: anything,
  unref: boolean,
  signal: anything,
  onSpawn: (v) => (typeof v === "function" ? undefined : "must be a function"),
};

/** Every option of `WorkerTestHarness.startMock`: the start options (but `binary`) and the mock's own. */
const MOCK: Record<string, Check> = {
  ...Object.fromEntries(Object.entries(START).filter(([k]) => k !== "binary")),
  compat: boolean,
  faults,
  tokenIntervalMs: ms,
  firstTokenDelayMs: ms,
  loadTimeMs: ms,
  eosAfter: count(0),
  metricsEvery: count(0),
  script: (v) =>
    typeof v === "object" && v !== null ? undefined : "must be a script object ({ tokens, end })",
  engine: (v) => (v === "fixed" || v === "llama" ? undefined : 'must be "fixed" or "llama"'),
  threads: count(1, 256),
};

function check(what: string, known: Record<string, Check>, options: unknown): void {
  if (options === undefined) return;
  if (typeof options !== "object" || options === null || Array.isArray(options))
    throw new ConfigError(`${what}: options must be an object, got ${JSON.stringify(options)}`);
  const names = Object.keys(known);
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    const rule = known[key];
    if (!rule) {
      const binaryHint =
        key === "binary" && what.endsWith("startMock") ? " (startMock always runs the mock)" : "";
      throw new ConfigError(
        `${what}: unknown option ${key}${binaryHint}${didYouMean(key, names)}; known: ${names.join(", ")}`,
      );
    }
    const problem = rule(value);
    if (problem) throw new ConfigError(`${what}: option ${key} ${problem}, got ${JSON.stringify(value)}`);
  }
}

/** Checks `WorkerTestHarness.start` options as the preset checks its own: type, range, unknown with "did you mean". */
export function checkStartOptions(options: unknown): void {
  check("WorkerTestHarness.start", START, options);
}

/** Checks `WorkerTestHarness.startMock` options (see {@link checkStartOptions}). */
export function checkMockOptions(options: unknown): void {
  check("WorkerTestHarness.startMock", MOCK, options);
}
