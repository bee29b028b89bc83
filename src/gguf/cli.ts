import { resolve } from "node:path";
import { parseCommand, usageError } from "../util/command-line";
import { ModelSpecError, writeLlamaModel } from "./llama-model";

export const WRITE_MODEL_USAGE = `usage: worker-orcd-jest write-model <out.gguf> --text <sentence> [--no-eos]
       worker-orcd-jest write-model <out.gguf> --seed <n>
  Writes a small llama-architecture GGUF model (under 1 MB, no download) for the llama engine
  (mode "llama") or any llama.cpp reader. --text: chain weights, each token predicts the next, so a
  prompt ending in a word of the text gets the rest of it and any other prompt the whole text, then
  end-of-sequence (--no-eos: the text starts over). --seed: random weights from that seed.
  Exit 0: written; 1: the text cannot be said by such a model (the message says why); 2: bad arguments.`;

const COMMAND = { name: "worker-orcd-jest write-model", usage: WRITE_MODEL_USAGE };

/** `worker-orcd-jest write-model`: returns the exit code. */
export function writeModelMain(argv: string[]): number {
  const parsed = parseCommand(
    COMMAND,
    argv,
    { text: { type: "string" }, seed: { type: "string" }, "no-eos": { type: "boolean" } },
    { allowPositionals: true },
  );
  if (typeof parsed === "number") return parsed;
  const { values, positionals } = parsed;
  const problem =
    positionals.length !== 1
      ? "give exactly one output path"
      : (values.text === undefined) === (values.seed === undefined)
        ? "give --text or --seed (one of them)"
        : values.seed !== undefined && !/^\d{1,10}$/.test(values.seed)
          ? `--seed must be a whole number, got ${JSON.stringify(values.seed)}`
          : undefined;
  if (problem) return usageError(COMMAND, problem);
  const out = resolve(positionals[0]);
  try {
    const model = writeLlamaModel(
      out,
      values.text !== undefined
        ? { text: values.text, eos: !values["no-eos"] }
        : { seed: Number(values.seed) },
    );
    process.stdout.write(
      `wrote ${out}: ${model.bytes.length} bytes, llama, ${model.layers} layers, embedding ${model.embedding}, vocabulary ${model.vocabSize}${model.chain ? `, says ${JSON.stringify(model.text)} in ${model.chain.length} tokens` : ""}\n`,
    );
    return 0;
  } catch (error) {
    process.stderr.write(`worker-orcd-jest write-model: ${(error as Error).message}\n`);
    return error instanceof ModelSpecError ? 1 : 2;
  }
}
