import { type ParseArgsConfig, parseArgs } from "node:util";
import { didYouMean } from "./suggest";

/** A command of the package: its name as typed (`worker-orcd-jest report compare`) and its usage text. */
export interface Command {
  name: string;
  usage: string;
}

/** Where a command writes: standard output and error, or a test's sinks. */
export interface Streams {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

const STD: Streams = { out: process.stdout, err: process.stderr };

/**
 * Tells a bad command line the one way every command does: what is wrong
 * and the usage, on standard error; returns exit code 2.
 */
export function usageError(command: Command, problem: string, io: Streams = STD): 2 {
  io.err.write(`${command.name}: ${problem}\n${command.usage}\n`);
  return 2;
}

/** node:util's message for an unknown flag, said as the package says it, with the nearest known flag. */
export function unknownFlag(message: string, options: Record<string, unknown>): string {
  const flag = /Unknown option '(-{1,2}[^']+)'/.exec(message)?.[1];
  if (!flag) return message;
  const known = Object.keys(options).map((name) => `--${name}`);
  return `unknown option ${flag}${didYouMean(flag, known)}`;
}

/**
 * Parses a command's arguments the one way every command of the package
 * does: `--help` or `-h` prints the usage on standard output (exit 0); an
 * unknown flag is named with the nearest known one, a missing value or a
 * stray argument said as node:util says it, each followed by the usage on
 * standard error (exit 2). Returns the parse, or the exit code when the
 * command is already done.
 */
export function parseCommand<O extends NonNullable<ParseArgsConfig["options"]>>(
  command: Command,
  argv: string[],
  options: O,
  o: { allowPositionals?: boolean; io?: Streams } = {},
): ReturnType<typeof parseArgs<{ options: O; allowPositionals: boolean; strict: true }>> | number {
  const io = o.io ?? STD;
  if (argv.includes("--help") || argv.includes("-h")) {
    io.out.write(`${command.usage}\n`);
    return 0;
  }
  try {
    return parseArgs({ args: argv, options, allowPositionals: o.allowPositionals ?? false, strict: true });
  } catch (error) {
    return usageError(command, unknownFlag((error as Error).message, options), io);
  }
}
