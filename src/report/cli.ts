import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { renderHtml } from "./html";
import { mergeReports, readShard } from "./merge";
import { formatSummary } from "./table";

export const REPORT_USAGE = `usage: worker-orcd-jest report merge <shard.json> <shard.json>... -o <dir>
  Merges the worker-orcd-report.json of each shard of one run (jest --shard i/n on a CI matrix) into
  <dir>/worker-orcd-report.json and .html, each file keeping its shard's report, machine and GPU.
  Exit 0: merged; 2: bad arguments or a report that cannot be read.`;

/** `worker-orcd-jest report ...`; returns the exit code. */
export function reportMain(argv: string[], out = process.stdout, err = process.stderr): number {
  const [sub, ...rest] = argv;
  if (sub === "--help" || sub === "-h") {
    out.write(`${REPORT_USAGE}\n`);
    return 0;
  }
  if (sub !== "merge") {
    err.write(
      `worker-orcd-jest report: ${sub === undefined ? "a subcommand is required" : `unknown subcommand ${JSON.stringify(sub)}`}\n${REPORT_USAGE}\n`,
    );
    return 2;
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: { out: { type: "string", short: "o" } },
    });
  } catch (error) {
    err.write(`worker-orcd-jest report merge: ${(error as Error).message}\n${REPORT_USAGE}\n`);
    return 2;
  }
  const dir = parsed.values.out as string | undefined;
  if (!dir || parsed.positionals.length === 0) {
    err.write(
      `worker-orcd-jest report merge: ${dir ? "give at least one shard report" : "-o <dir> is required"}\n${REPORT_USAGE}\n`,
    );
    return 2;
  }
  try {
    const merged = mergeReports(parsed.positionals.map((p) => ({ path: p, report: readShard(resolve(p)) })));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "worker-orcd-report.json"), `${JSON.stringify(merged, null, 2)}\n`);
    writeFileSync(join(dir, "worker-orcd-report.html"), renderHtml(merged));
    out.write(
      `${formatSummary(merged)}\nworker-orcd-jest report: merged ${parsed.positionals.length} shard report(s) into ${join(dir, "worker-orcd-report.json")} and .html\n`,
    );
    return 0;
  } catch (error) {
    err.write(`worker-orcd-jest report merge: ${(error as Error).message}\n`);
    return 2;
  }
}
