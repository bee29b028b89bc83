import { checkOptions, type Rule, rules } from "../config/check";
import { FAULT_MODES } from "../mock/faults";

type Check = Rule;

const { duration, strings, stringRecord: env, flag: boolean, text: string, count } = rules;
const ms = rules.number(0, { unit: "of milliseconds" });
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
  engine: rules.oneOf(["fixed", "llama"]),
  threads: count(1, 256),
};

/** Checks `WorkerTestHarness.start` options as the preset checks its own: type, range, unknown with "did you mean". */
export function checkStartOptions(options: unknown): void {
  checkOptions(options, { label: "WorkerTestHarness.start", rules: START });
}

/** Checks `WorkerTestHarness.startMock` options (see {@link checkStartOptions}). */
export function checkMockOptions(options: unknown): void {
  checkOptions(options, {
    label: "WorkerTestHarness.startMock",
    rules: MOCK,
    unknownHint: (name) => (name === "binary" ? " (startMock always runs the mock)" : ""),
  });
}
