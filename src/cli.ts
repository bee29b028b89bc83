#!/usr/bin/env node
/** `worker-orcd-jest <command>`: the package's command line (`conformance`, `compare-builds`, `report`, `workers`, `write-model`, `--version`, `--help`). */
import { COMPARE_BUILDS_USAGE, compareBuildsMain } from "./builds/cli";
import { CONFORMANCE_USAGE, conformanceMain } from "./conformance/cli";
import { WRITE_MODEL_USAGE, writeModelMain } from "./gguf/cli";
import { REPORT_USAGE, reportMain } from "./report/cli";
import { WORKERS_USAGE, workersMain } from "./scope/pool/workers-cli";
import { packageInfo } from "./util/package-info";
import { didYouMean } from "./util/suggest";

/** Exits with what an asynchronous command resolved to; a command that threw exits 2 with its stack. */
function exitWith(run: Promise<number>): void {
  run.then(
    (code) => process.exit(code),
    (error) => {
      process.stderr.write(`worker-orcd-jest: ${(error as Error).stack ?? error}\n`);
      process.exit(2);
    },
  );
}

const [command, ...rest] = process.argv.slice(2);
if (command === "conformance") {
  exitWith(conformanceMain(rest));
} else if (command === "compare-builds") {
  exitWith(compareBuildsMain(rest));
} else if (command === "report") {
  process.exit(reportMain(rest));
} else if (command === "workers") {
  exitWith(workersMain(rest));
} else if (command === "write-model") {
  process.exit(writeModelMain(rest));
} else if (command === "--version") {
  process.stdout.write(`worker-orcd-jest ${packageInfo().version}\n`);
} else {
  // --help (or -h) prints the usage and exits 0; no command, or an unknown one, is a usage error (exit 2).
  const help = command === "--help" || command === "-h";
  const why =
    command === undefined
      ? "a command is required"
      : `unknown command ${JSON.stringify(command)}${didYouMean(command, ["conformance", "compare-builds", "report", "workers", "write-model", "--version", "--help"])}`;
  (help ? process.stdout : process.stderr).write(
    `${help ? "" : `worker-orcd-jest: ${why}\n`}commands: conformance, compare-builds, report, workers, write-model, --version, --help\n\n${CONFORMANCE_USAGE}\n\n${COMPARE_BUILDS_USAGE}\n\n${REPORT_USAGE}\n\n${WORKERS_USAGE}\n\n${WRITE_MODEL_USAGE}\n`,
  );
  process.exit(help ? 0 : 2);
}
