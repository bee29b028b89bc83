import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { ModelSpecError, writeLlamaModel } from "./llama-model";

export const WRITE_MODEL_USAGE = `usage: worker-orcd-jest write-model <out.gguf> --text <sentence> [--no-eos]
       worker-orcd-jest write-model <out.gguf> --seed <n>
  Writes a small llama-architecture GGUF model (under 1 MB, no download) for the llama engine
  (mode "llama") or any llama.cpp reader. --text: chain weights, each token predicts the next, so a
  prompt ending in a word of the text gets the rest of it and any other prompt the whole text, then
  end-of-sequence (--no-eos: the text starts over). --seed: random weights from that seed.
  Exit 0: written; 1: the text cannot be said by such a model (the message says why); 2: bad arguments.`;

/** `worker-orcd-jest write-model`: returns the exit code. */
export function writeModelMain(argv: string[]): number {
  let values: { text?: string; seed?: string; "no-eos"?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { text: { type: "string" }, seed: { type: "string" }, "no-eos": { type: "boolean" } },
    }));
  } catch (error) {
    process.stderr.write(`worker-orcd-jest write-model: ${(error as Error).message}\n${WRITE_MODEL_USAGE}\n`);
    return 2;
  }
  const problem =
    positionals.length !== 1
      ? "give exactly one output path"
      : (values.text === undefined) === (values.seed === undefined)
        ? "give --text or --seed (one of them)"
        : values.seed !== undefined && !/^\d{1,10}$/.test(values.seed)
          ? `--seed must be a whole number, got ${JSON.stringify(values.seed)}`
          : undefined;
  if (problem) {
    process.stderr.write(`worker-orcd-jest write-model: ${problem}\n${WRITE_MODEL_USAGE}\n`);
    return 2;
  }
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
