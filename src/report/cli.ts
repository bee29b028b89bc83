import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { optionProblems } from "../config/check";
import { parseCommand, usageError } from "../util/command-line";
import { didYouMean } from "../util/suggest";
import { compareWithBaseline, formatComparison, formatPace, nothingJudged } from "./baseline";
import { renderCompareHtml } from "./compare-html";
import { renderHtml } from "./html";
import { mergeReports, readShard } from "./merge";
import { TOLERANCE_RULES } from "./option-rules";
import { formatSummary } from "./table";

export const REPORT_USAGE = `usage: worker-orcd-jest report merge <shard.json> <shard.json>... -o <dir>
       worker-orcd-jest report compare <baseline.json> <new.json> [-o <dir>] [--across-machines] [--across-fingerprints] [--tolerances <json>]
  merge: the worker-orcd-report.json of each shard of one run (jest --shard i/n on a CI matrix) into
  <dir>/worker-orcd-report.json and .html, each file keeping its shard's report, machine and GPU.
  compare: the baseline gate's comparison of two reports as a table (and <dir>/worker-orcd-compare.html,
  both runs' distributions side by side). --tolerances takes the reporter's tolerances as JSON.
  Exit 0: merged, or no regression; 1: a figure regressed; 2: bad arguments, a report that cannot be read,
  or nothing judged (reports of two machines without --across-machines, of another GPU, driver, worker binary
  or model without --across-fingerprints, no job on a side, too few samples).`;

/** `worker-orcd-jest report ...`; returns the exit code. */
export function reportMain(
  argv: string[],
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): number {
  const [sub, ...rest] = argv;
  if (sub === "--help" || sub === "-h") {
    out.write(`${REPORT_USAGE}\n`);
    return 0;
  }
  if (sub === "compare") return compareMain(rest, out, err);
  const io = { out, err };
  if (sub !== "merge")
    return usageError(
      { name: "worker-orcd-jest report", usage: REPORT_USAGE },
      sub === undefined
        ? "a subcommand is required"
        : `unknown subcommand ${JSON.stringify(sub)}${didYouMean(sub, ["merge", "compare"])}`,
      io,
    );
  const command = { name: "worker-orcd-jest report merge", usage: REPORT_USAGE };
  const parsed = parseCommand(
    command,
    rest,
    { out: { type: "string", short: "o" } },
    { allowPositionals: true, io },
  );
  if (typeof parsed === "number") return parsed;
  const dir = parsed.values.out;
  if (!dir || parsed.positionals.length === 0)
    return usageError(command, dir ? "give at least one shard report" : "-o <dir> is required", io);
  try {
    const merged = mergeReports(parsed.positionals.map((p) => ({ path: p, report: readShard(resolve(p)) })));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "worker-orcd-report.json"), `${JSON.stringify(merged, null, 2)}\n`);
    writeFileSync(join(dir, "worker-orcd-report.html"), renderHtml(merged));
    for (const line of merged.merged?.differences ?? [])
      out.write(`worker-orcd-jest report merge: note: ${line}\n`);
    out.write(
      `${formatSummary(merged)}\nworker-orcd-jest report: merged ${parsed.positionals.length} shard report(s) into ${join(dir, "worker-orcd-report.json")} and .html\n`,
    );
    return 0;
  } catch (error) {
    err.write(`worker-orcd-jest report merge: ${(error as Error).message}\n`);
    return 2;
  }
}

/** `worker-orcd-jest report compare <baseline> <new> [-o dir]`: the gate's verdict, exit code as the gate's. */
function compareMain(argv: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): number {
  const io = { out, err };
  const command = { name: "worker-orcd-jest report compare", usage: REPORT_USAGE };
  const parsed = parseCommand(
    command,
    argv,
    {
      out: { type: "string", short: "o" },
      "across-machines": { type: "boolean" },
      "across-fingerprints": { type: "boolean" },
      tolerances: { type: "string" },
    },
    { allowPositionals: true, io },
  );
  if (typeof parsed === "number") return parsed;
  const [a, b, ...extra] = parsed.positionals;
  if (!a || !b || extra.length)
    return usageError(command, "give exactly two reports, the baseline and the new run", io);
  let tolerances: Record<string, number> = {};
  if (parsed.values.tolerances !== undefined) {
    const problem = toleranceProblem(String(parsed.values.tolerances));
    if (typeof problem === "string") {
      err.write(`worker-orcd-jest report compare: ${problem}\n`);
      return 2;
    }
    tolerances = problem;
  }
  try {
    const baseline = readShard(resolve(a));
    const current = readShard(resolve(b));
    const result = compareWithBaseline(current, baseline, tolerances, {
      machines: parsed.values["across-machines"] === true,
      fingerprints: parsed.values["across-fingerprints"] === true,
    });
    const withheld = nothingJudged(result, current, baseline);
    const pace = formatPace(result);
    if (pace) out.write(`${pace}\n`);
    if (!result.skipped) out.write(`${formatComparison(result, true)}\n`);
    const dir = parsed.values.out as string | undefined;
    if (dir) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        join(dir, "worker-orcd-compare.html"),
        renderCompareHtml(baseline, current, result, [a, b]),
      );
      out.write(`worker-orcd-jest report: ${join(dir, "worker-orcd-compare.html")}\n`);
    }
    if (withheld) {
      err.write(
        `worker-orcd-jest report compare: nothing judged, no verdict: ${withheld}` +
          `${result.override ? `; add --across-${result.override} to compare anyway` : ""}\n`,
      );
      return 2;
    }
    out.write(
      result.regressions.length
        ? `worker-orcd-jest report compare: ${result.regressions.length} figure(s) regressed\n`
        : `worker-orcd-jest report compare: no regression (${result.compared.length - result.unjudged.length} figure(s) judged)\n`,
    );
    return result.regressions.length ? 1 : 0;
  } catch (error) {
    err.write(`worker-orcd-jest report compare: ${(error as Error).message}\n`);
    return 2;
  }
}

/** The parsed tolerances, or what is wrong with them (the reporter's rule for its `tolerances`). */
function toleranceProblem(text: string): Record<string, number> | string {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return `--tolerances is not JSON: ${text}`;
  }
  const problems = optionProblems({ tolerances: v }, { path: "--", rules: { tolerances: TOLERANCE_RULES } });
  return problems.length > 0 ? problems.join("; ") : (v as Record<string, number>);
}
