import { basename } from "node:path";
import { TestModel } from "../fixtures/test-model";
import type { ExecuteRequest } from "../protocol";
import { type Generation, generate } from "./generator";
import type { MockOptions } from "./options";

/** What `/health` reports of the model an engine serves. */
export interface EngineFacts {
  model: string;
  quant_kind: string;
  tokenizer_kind: string;
  vocab_size: number;
  context_length: number | null;
  /** Bytes the weights and the context take (the mock: the model file plus its KV cache size). */
  vram_bytes: number;
  /** How long loading took, when the engine loads something real. */
  load_ms?: number;
  /** The engine's name, when it is not the mock's own tokens. */
  engine?: string;
}

/** Where a mock worker's tokens come from. */
export interface Engine {
  readonly facts: EngineFacts;
  /** A generation for one job, limited to `maxTokens` model tokens. */
  start(request: ExecuteRequest, seed: number | bigint | string, maxTokens: number): Generation;
}

/** The reference model the mock impersonates. */
const REFERENCE = TestModel.qwen2_5_0_5b();

/** The mock's own deterministic tokens (generator.ts), with the reference model's facts. */
export function fixedEngine(o: MockOptions, modelBytes: number): Engine {
  return {
    facts: {
      model: basename(o.model),
      quant_kind: REFERENCE.quant,
      tokenizer_kind: "gguf-bpe",
      vocab_size: REFERENCE.vocabSize,
      context_length: REFERENCE.contextLength,
      // Build 5d6c9a4a reports vram_bytes 0 everywhere (model.rs leaves it a TODO); compat mode does the same.
      vram_bytes: o.compat ? 0 : modelBytes + o.kvCacheSizeMb * 1024 * 1024,
    },
    start: (request, seed) => generate(request.prompt, seed, o.eosAfter),
  };
}
