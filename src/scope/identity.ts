import { createHash } from "node:crypto";
import { realpathSync, statSync } from "node:fs";
import { packageInfo } from "../util/package-info";
import { MOCK_ENTRY } from "../worker/command";
import type { WorkerStartOptions } from "../worker/worker-process";

/**
 * The one identity of a worker: everything that makes two workers
 * interchangeable, what the process is (binary and model, each with its
 * size and modification time, arguments, environment, device, port, the
 * package's version) and how a run handles it (its timeouts). A spare
 * started ahead, a worker kept from an earlier file and a worker in the
 * reuse pool are each handed to a file only when every field is the same.
 */
export interface Identity {
  /** The executable, resolved (the bundled mock: its entry point). */
  binary: string;
  binarySize: number;
  /** Modification time of the executable, in ms. */
  binaryMtime: number;
  /** The model path, resolved (or the mock's word `mock`). */
  model: string;
  modelSize: number;
  modelMtime: number;
  /** The arguments appended to the command line, as JSON. */
  args: string;
  /** The variables given to the worker, as sorted JSON. */
  env: string;
  device: number;
  /** `mock` (the bundled mock, in any of its modes: compat, replay, llama are its arguments) or `real`. */
  mode: "mock" | "real";
  /** This package's version (the mock is part of it). */
  version: string;
  /** A fixed port (the `port` start option); absent for a free one. */
  port?: number;
  /** The start-up, shutdown, request and idle timeouts, as sorted JSON (how the run handles the worker). */
  timeouts: string;
}

/** The start options that say how a run handles a worker, not what it is (in the identity all the same). */
const TIMEOUTS = ["idleTimeoutMs", "requestTimeoutMs", "shutdownGraceMs", "startupTimeoutMs"] as const;

function fileFacts(path: string): { path: string; size: number; mtime: number } {
  try {
    const real = realpathSync(path);
    const st = statSync(real);
    return { path: real, size: st.size, mtime: st.mtimeMs };
  } catch {
    return { path, size: -1, mtime: -1 };
  }
}

/** The identity of the worker `options` would start. */
export function identityOf(options: WorkerStartOptions): Identity {
  const binary = fileFacts(options.binary === "mock" ? MOCK_ENTRY : options.binary);
  const model = options.model === "mock" ? { path: "mock", size: 0, mtime: 0 } : fileFacts(options.model);
  const env = options.env ?? {};
  return {
    binary: binary.path,
    binarySize: binary.size,
    binaryMtime: binary.mtime,
    model: model.path,
    modelSize: model.size,
    modelMtime: model.mtime,
    args: JSON.stringify(options.extraArgs ?? []),
    env: JSON.stringify(
      Object.keys(env)
        .sort()
        .map((k) => [k, env[k]]),
    ),
    device: options.gpuDevice,
    mode: options.binary === "mock" ? "mock" : "real",
    version: packageInfo().version,
    ...(options.port !== undefined ? { port: options.port } : {}),
    timeouts: JSON.stringify(TIMEOUTS.map((k) => [k, options[k]])),
  };
}

/** A short stable key of an identity (equal identities, equal keys). */
export function identityKey(identity: Identity): string {
  const fields = Object.keys(identity)
    .sort()
    .map((k) => [k, identity[k as keyof Identity]]);
  return createHash("sha256").update(JSON.stringify(fields)).digest("hex").slice(0, 16);
}

/** Each field, in the order a difference is named, and how it is named. */
const NAMES: Array<[keyof Identity, string]> = [
  ["binary", "the binary changed (path)"],
  ["binarySize", "the binary changed (size)"],
  ["binaryMtime", "the binary changed (modification time)"],
  ["model", "the model changed (path)"],
  ["modelSize", "the model changed (size)"],
  ["modelMtime", "the model changed (modification time)"],
  ["args", "the arguments changed"],
  ["env", "the environment changed"],
  ["device", "the device differs"],
  ["mode", "the mode changed"],
  ["version", "the package version changed"],
  ["port", "the port differs"],
  ["timeouts", "the timeouts changed"],
];

/** The differences between a wish and a worker's identity, as phrases ("the model changed (size)"); empty when equal. */
export function differences(wanted: Identity, pooled: Identity): string[] {
  return NAMES.filter(([k]) => wanted[k] !== pooled[k]).map(([, name]) => name);
}

/** The identity key of the worker `options` would start: equal keys, interchangeable workers. */
export function keyOf(options: WorkerStartOptions): string {
  return identityKey(identityOf(options));
}
