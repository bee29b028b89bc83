import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { checkBinary } from "../checks/binary";
import { parseCommand, usageError } from "../util/command-line";
import { didYouMean } from "../util/suggest";
import { formatBuildComparison, renderBuildComparisonHtml } from "./report";
import { type BuildComparison, compareBuilds, namesNoFile, PROBE_IDS } from "./run";

export const COMPARE_BUILDS_USAGE = `usage: worker-orcd-jest compare-builds --bin <a> --bin <b> --model <file|mock> [--gpu-device N]
         [--json <file>] [-o <dir>] [--allow <PROBE,...>] [--env NAME=VALUE]...
  Starts both builds (each --bin a worker-orcd executable, mock, mock-compat for the mock's compat mode, or
  the http(s):// URL of a running worker to attach to), runs the same probes on both in interleaved order
  (seeded and greedy output, stop sequences, UTF-8 across tokens, a long output, cancel, the error forms, the
  log's format), and prints per probe whether tokens, endings and rejections agree, with TTFT and TPOT side
  by side (B's median against A's, bootstrap 95 % interval). -o writes <dir>/compare-builds.html.
  Exit 0: no difference; 1: a probe differs that --allow does not name; 2: bad arguments or a build did not start.
  Probes: ${PROBE_IDS.join(", ")}.`;

const COMMAND = { name: "worker-orcd-jest compare-builds", usage: COMPARE_BUILDS_USAGE };

/** `worker-orcd-jest compare-builds ...`; returns the exit code. */
export async function compareBuildsMain(
  argv: string[],
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  const io = { out, err };
  const parsed = parseCommand(
    COMMAND,
    argv,
    {
      bin: { type: "string", multiple: true },
      model: { type: "string" },
      "gpu-device": { type: "string" },
      json: { type: "string" },
      out: { type: "string", short: "o" },
      allow: { type: "string" },
      env: { type: "string", multiple: true },
    },
    { io },
  );
  if (typeof parsed === "number") return parsed;
  const values = parsed.values as Record<string, string | string[] | undefined>;
  const bins = (values.bin as string[] | undefined) ?? [];
  if (bins.length !== 2)
    return usageError(COMMAND, `give --bin exactly twice (the two builds), got ${bins.length}`, io);
  for (const bin of bins) {
    if (namesNoFile(bin)) continue;
    const check = checkBinary(resolve(bin));
    if (!check.ok) {
      err.write(
        `worker-orcd-jest compare-builds: --bin ${bin}: ${check.reason}; or use mock, mock-compat or a URL\n`,
      );
      return 2;
    }
  }
  const noFile = bins.every(namesNoFile);
  const model = (values.model as string | undefined) ?? (noFile ? "mock" : undefined);
  if (!model)
    return usageError(COMMAND, "--model is required where a --bin is a real worker (a .gguf file)", io);
  const device = Number(values["gpu-device"] ?? 0);
  if (!Number.isInteger(device) || device < 0)
    return usageError(
      COMMAND,
      `--gpu-device must be an integer >= 0, got ${JSON.stringify(values["gpu-device"])}`,
      io,
    );
  const allow = ((values.allow as string | undefined) ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = allow.filter((id) => !PROBE_IDS.includes(id));
  if (unknown.length > 0)
    return usageError(
      COMMAND,
      `--allow: unknown probe ${unknown.map((u) => `${JSON.stringify(u)}${didYouMean(u, PROBE_IDS)}`).join(", ")}; known: ${PROBE_IDS.join(", ")}`,
      io,
    );
  const env: Record<string, string> = {};
  for (const pair of (values.env as string[] | undefined) ?? []) {
    const at = pair.indexOf("=");
    if (at < 1) return usageError(COMMAND, `--env takes NAME=VALUE, got ${JSON.stringify(pair)}`, io);
    env[pair.slice(0, at)] = pair.slice(at + 1);
  }
  let result: BuildComparison;
  try {
    result = await compareBuilds({
      bins: bins.map((b) => (namesNoFile(b) ? b : resolve(b))) as [string, string],
      model: model === "mock" ? "mock" : resolve(model),
      gpuDevice: device,
      allow,
      start: { env },
    });
  } catch (error) {
    err.write(`worker-orcd-jest compare-builds: ${(error as Error).message.split("\n")[0]}\n`);
    return 2;
  }
  out.write(`${formatBuildComparison(result)}\n`);
  if (values.json) writeFileSync(values.json as string, `${JSON.stringify(result, null, 2)}\n`);
  const dir = values.out as string | undefined;
  if (dir) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "compare-builds.html"), renderBuildComparisonHtml(result));
    out.write(`worker-orcd-jest compare-builds: ${join(dir, "compare-builds.html")}\n`);
  }
  out.write(
    result.differing.length === 0
      ? "worker-orcd-jest compare-builds: no difference that counts\n"
      : `worker-orcd-jest compare-builds: ${result.differing.length} probe(s) differ: ${result.differing.join(", ")}\n`,
  );
  return result.differing.length > 0 ? 1 : 0;
}
