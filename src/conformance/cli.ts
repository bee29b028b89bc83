import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { formatMarkdown, formatTable } from "./report";
import { runConformance } from "./run";

export const CONFORMANCE_USAGE = `usage: worker-orcd-jest conformance --bin <path|mock> --model <file|mock> [--gpu-device N]
         [--compat] [--json <file>] [--markdown <file>] [--allow <ID,...>] [--only <ID,...>] [--arg <worker arg>]...
  Starts the worker, holds it against every clause of PROTOCOL.md and prints a table.
  Exit 0: no MUST clause failed (those in --allow do not count); 1: one did; 2: bad arguments or the worker did not start.
  --bin mock runs the bundled mock (--compat: its compat mode, build 5d6c9a4a).`;

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
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        bin: { type: "string" },
        model: { type: "string" },
        "gpu-device": { type: "string" },
        compat: { type: "boolean" },
        json: { type: "string" },
        markdown: { type: "string" },
        allow: { type: "string" },
        only: { type: "string" },
        arg: { type: "string", multiple: true },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    err.write(`worker-orcd-jest conformance: ${(error as Error).message}\n${CONFORMANCE_USAGE}\n`);
    return 2;
  }
  if (values.help) {
    out.write(`${CONFORMANCE_USAGE}\n`);
    return 0;
  }
  const bin = values.bin as string | undefined;
  if (!bin) {
    err.write(
      `worker-orcd-jest conformance: --bin is required (a worker-orcd executable, or "mock")\n${CONFORMANCE_USAGE}\n`,
    );
    return 2;
  }
  const model = (values.model as string | undefined) ?? (bin === "mock" ? "mock" : undefined);
  if (!model) {
    err.write(
      `worker-orcd-jest conformance: --model is required for a real worker (a .gguf file)\n${CONFORMANCE_USAGE}\n`,
    );
    return 2;
  }
  const device = Number(values["gpu-device"] ?? 0);
  if (!Number.isInteger(device) || device < 0) {
    err.write(
      `worker-orcd-jest conformance: --gpu-device must be an integer >= 0, got ${JSON.stringify(values["gpu-device"])}\n`,
    );
    return 2;
  }
  const extraArgs = [...(values.compat ? ["--compat"] : []), ...((values.arg as string[] | undefined) ?? [])];
  let report: Awaited<ReturnType<typeof runConformance>>;
  try {
    report = await runConformance({
      binary: bin === "mock" ? "mock" : resolve(bin),
      model: model === "mock" ? "mock" : resolve(model),
      gpuDevice: device,
      extraArgs,
      allow: list(values.allow as string | undefined),
      only: list(values.only as string | undefined),
    });
  } catch (error) {
    err.write(`worker-orcd-jest conformance: ${(error as Error).message}\n`);
    return 2;
  }
  out.write(`${formatTable(report)}\n`);
  if (values.json) writeFileSync(values.json as string, `${JSON.stringify(report, null, 2)}\n`);
  if (values.markdown) writeFileSync(values.markdown as string, formatMarkdown(report));
  return report.failedMust.length > 0 ? 1 : 0;
}
