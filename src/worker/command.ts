import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";

/** What to start: a worker binary (or the bundled mock) and its command line. */
export interface WorkerCommandSpec {
  /** Path of a worker-orcd executable, or `"mock"` for the bundled mock worker. */
  binary: string;
  /** Model path passed as `--model` (the mock also accepts the word `mock`). */
  model: string;
  /** CUDA device index, `--gpu-device`. */
  gpuDevice: number;
  /** Worker id; a fresh UUID when absent. */
  workerId?: string;
  /** Arguments appended to the command line (tuning flags, mock flags). */
  extraArgs?: readonly string[];
}

/** The resolved executable and its arguments. */
export interface WorkerCommand {
  file: string;
  args: string[];
  workerId: string;
}

/**
 * Pace the bundled mock runs at where a job must last long enough to be
 * observed (conformance, compare-builds): 2 ms a token, no end-of-sequence
 * (0.4 s for 200 tokens).
 */
export const MOCK_PACE = ["--token-interval-ms", "2", "--eos-after", "0"];

/**
 * Path of the mock worker's entry point (compiled JavaScript). From `dist/`
 * it sits beside this file; when this file runs from `src/` (the package's own
 * tests) it is the built copy in `dist/`.
 */
export const MOCK_ENTRY =
  [join(__dirname, "..", "mock", "cli.js"), join(__dirname, "..", "..", "dist", "mock", "cli.js")].find((p) =>
    existsSync(p),
  ) ?? join(__dirname, "..", "mock", "cli.js");

/** Builds the worker command line of docs/protocol.md for a port and callback URL. */
export function buildCommand(spec: WorkerCommandSpec, port: number, callbackUrl?: string): WorkerCommand {
  const workerId = spec.workerId ?? randomUUID();
  const args = [
    "--worker-id",
    workerId,
    "--model",
    spec.model,
    "--gpu-device",
    String(spec.gpuDevice),
    "--port",
    String(port),
  ];
  if (callbackUrl) args.push("--callback-url", callbackUrl);
  args.push(...(spec.extraArgs ?? []));
  return spec.binary === "mock"
    ? { file: process.execPath, args: [MOCK_ENTRY, ...args], workerId }
    : { file: spec.binary, args, workerId };
}

/** Quotes a command line for a human to read and paste into a shell. */
export function formatCommand(command: Pick<WorkerCommand, "file" | "args">): string {
  return [command.file, ...command.args]
    .map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`))
    .join(" ");
}
