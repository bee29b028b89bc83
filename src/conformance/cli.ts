import { accessSync, constants, statSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseCommand, usageError } from "../util/command-line";
import { formatMarkdown, formatTable } from "./report";
import { runConformance } from "./run";

export const CONFORMANCE_USAGE = `usage: worker-orcd-jest conformance --bin <path|mock> --model <file|mock> [--gpu-device N]
         [--compat] [--json <file>] [--markdown <file>] [--allow <ID,...>] [--only <ID,...>] [--arg <worker arg>]...
         [--startup-timeout-ms <ms>] [--idle-timeout-ms <ms>] [--env NAME=VALUE]...
  Starts the worker, holds it against every clause of docs/protocol.md and prints a table.
  Exit 0: no MUST clause failed or went unjudged (those in --allow do not count); 1: one did;
  2: bad arguments or the worker did not start. --arg takes the next argument as it is (--arg --compat).
  --bin mock runs the bundled mock (--compat: its compat mode, build 5d6c9a4a).`;

const COMMAND = { name: "worker-orcd-jest conformance", usage: CONFORMANCE_USAGE };

/** `--arg X` as `--arg=X`, so a worker argument that starts with a dash is taken as the value it is. */
function joinArgValues(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--arg" && i + 1 < argv.length) out.push(`--arg=${argv[++i]}`);
    else out.push(argv[i]);
  }
  return out;
}

/** Why `--bin` cannot run, in the CLI's own terms; undefined when it can. */
function binProblem(bin: string): string | undefined {
  if (bin === "mock") return undefined;
  const path = resolve(bin);
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(path);
  } catch {
    return `--bin ${bin}: no such file (${path}); give the path of a worker-orcd executable, or --bin mock`;
  }
  if (!stat.isFile()) return `--bin ${bin}: ${path} is not a file`;
  try {
    accessSync(path, constants.X_OK);
  } catch {
    return `--bin ${bin}: ${path} is not executable (chmod +x it)`;
  }
  return undefined;
}

const list = (v: string | undefined) =>
  v
    ? v
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean)
    : undefined;

/** `worker-orcd-jest conformance ...`; returns the exit code. */
export async function conformanceMain(
  argv: string[],
  out = process.stdout,
  err = process.stderr,
): Promise<number> {
  const parsed = parseCommand(
    COMMAND,
    joinArgValues(argv),
    {
      bin: { type: "string" },
      model: { type: "string" },
      "gpu-device": { type: "string" },
      compat: { type: "boolean" },
      json: { type: "string" },
      markdown: { type: "string" },
      allow: { type: "string" },
      only: { type: "string" },
      arg: { type: "string", multiple: true },
      "startup-timeout-ms": { type: "string" },
      "idle-timeout-ms": { type: "string" },
      env: { type: "string", multiple: true },
    },
    { io: { out, err } },
  );
  if (typeof parsed === "number") return parsed;
  const values: Record<string, string | boolean | string[] | undefined> = parsed.values;
  const bin = values.bin as string | undefined;
  if (!bin)
    return usageError(COMMAND, '--bin is required (a worker-orcd executable, or "mock")', { out, err });
  const unusable = binProblem(bin);
  if (unusable) {
    err.write(`worker-orcd-jest conformance: ${unusable}\n`);
    return 2;
  }
  const model = (values.model as string | undefined) ?? (bin === "mock" ? "mock" : undefined);
  if (!model)
    return usageError(COMMAND, "--model is required for a real worker (a .gguf file)", { out, err });
  const device = Number(values["gpu-device"] ?? 0);
  if (!Number.isInteger(device) || device < 0) {
    err.write(
      `worker-orcd-jest conformance: --gpu-device must be an integer >= 0, got ${JSON.stringify(values["gpu-device"])}\n`,
    );
    return 2;
  }
  const startupTimeoutMs = msOption(values, "startup-timeout-ms", err);
  const idleTimeoutMs = msOption(values, "idle-timeout-ms", err);
  if (startupTimeoutMs === null || idleTimeoutMs === null) return 2;
  const env: Record<string, string> = {};
  for (const pair of (values.env as string[] | undefined) ?? []) {
    const at = pair.indexOf("=");
    if (at < 1) {
      err.write(`worker-orcd-jest conformance: --env takes NAME=VALUE, got ${JSON.stringify(pair)}\n`);
      return 2;
    }
    env[pair.slice(0, at)] = pair.slice(at + 1);
  }
  const extraArgs = [...(values.compat ? ["--compat"] : []), ...((values.arg as string[] | undefined) ?? [])];
  let report: Awaited<ReturnType<typeof runConformance>>;
  try {
    report = await runConformance({
      binary: bin === "mock" ? "mock" : resolve(bin),
      model: model === "mock" ? "mock" : resolve(model),
      gpuDevice: device,
      extraArgs,
      startupTimeoutMs,
      start: { ...(idleTimeoutMs !== undefined ? { idleTimeoutMs } : {}), env },
      allow: list(values.allow as string | undefined),
      only: list(values.only as string | undefined),
    });
  } catch (error) {
    err.write(`worker-orcd-jest conformance: ${cliTerms((error as Error).message)}\n`);
    return 2;
  }
  out.write(`${formatTable(report)}\n`);
  if (values.json) writeFileSync(values.json as string, `${JSON.stringify(report, null, 2)}\n`);
  if (values.markdown) writeFileSync(values.markdown as string, formatMarkdown(report));
  return report.failedMust.length > 0 ? 1 : 0;
}

/** A start-up message in the CLI's terms: its flags, not the Jest settings the same lifecycle code names. */
function cliTerms(message: string): string {
  return message
    .replace(
      / \(set WORKER_ORCD_BIN or the binary option to an executable, or use mode "mock"\)/,
      " (check --bin, or use --bin mock)",
    )
    .replace(/\(startupTimeoutMs\)/g, "(--startup-timeout-ms)")
    .replace(/, startupTimeoutMs\)/g, ", --startup-timeout-ms)");
}

/** A milliseconds flag: its value, undefined when absent, null (after saying why) when it is not a whole number > 0. */
function msOption(
  values: Record<string, unknown>,
  flag: string,
  err: NodeJS.WritableStream,
): number | undefined | null {
  const raw = values[flag] as string | undefined;
  if (raw === undefined) return undefined;
  const ms = Number(raw);
  if (Number.isInteger(ms) && ms > 0) return ms;
  err.write(
    `worker-orcd-jest conformance: --${flag} must be a whole number of milliseconds > 0, got ${JSON.stringify(raw)}\n`,
  );
  return null;
}
