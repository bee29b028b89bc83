#!/usr/bin/env node
/** `worker-orcd-jest <command>`: the package's command line (today: `conformance`). */
import { CONFORMANCE_USAGE, conformanceMain } from "./conformance/cli";

const [command, ...rest] = process.argv.slice(2);
if (command === "conformance") {
  conformanceMain(rest).then(
    (code) => process.exit(code),
    (error) => {
      process.stderr.write(`worker-orcd-jest: ${(error as Error).stack ?? error}\n`);
      process.exit(2);
    },
  );
} else {
  const known = command === undefined || command === "--help" || command === "-h";
  (known ? process.stdout : process.stderr).write(
    `${known ? "" : `worker-orcd-jest: unknown command ${JSON.stringify(command)}\n`}usage: worker-orcd-jest conformance ...\n\n${CONFORMANCE_USAGE}\n`,
  );
  process.exit(known ? 0 : 2);
}
