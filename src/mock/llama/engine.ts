import { basename } from "node:path";
import { FILE_TYPES } from "../../checks/gguf";
import { checkModel } from "../../checks/model";
import type { ExecuteRequest } from "../../protocol";
import { LIMITS } from "../../protocol/limits";
import type { Engine, EngineFacts } from "../engine";
import type { Generation } from "../generator";
import type { Llama, LlamaContext, LlamaModel, LlamaSequence, Token } from "./api";
import { loadNodeLlamaCpp } from "./load";

/** How the llama engine runs. */
export interface LlamaEngineOptions {
  model: string;
  /** CPU threads of the evaluation. Default 1 (llama.cpp's default starves a loaded 2-core machine). */
  threads: number;
  /** `"off"`: CPU only (default); `"auto"`/`"cuda"`/`"vulkan"`: a GPU prebuilt of node-llama-cpp. */
  gpu: "off" | "auto" | "cuda" | "vulkan";
  /** The GPU to use (`CUDA_VISIBLE_DEVICES`), the worker's `--gpu-device`. */
  gpuDevice: number;
  /** Most tokens the context holds (prompt and output). Default: the model's, at most 4096. */
  contextSize?: number;
}

/** Longest run of tokens held back while they end inside a UTF-8 character (4 bytes at most). */
const MAX_HELD = 4;
/** Tokens of context given to the detokenizer (for the space in front of a piece). */
const TRAIL = 16;

function metadataOf(model: LlamaModel, path: string[]): unknown {
  let at: unknown = model.fileInfo.metadata;
  for (const key of path)
    at = at && typeof at === "object" ? (at as Record<string, unknown>)[key] : undefined;
  return at;
}

/** A request's seed as the 32-bit seed llama.cpp's sampler takes. */
function samplerSeed(seed: number | bigint | string): number {
  return Number(BigInt(seed) % 4294967296n);
}

/**
 * Loads the model and answers jobs with llama.cpp's tokens, through
 * node-llama-cpp. The package's own header check (the one global setup
 * applies) comes first, so a hostile or damaged file is refused at once
 * with its reason instead of being handed to llama.cpp.
 */
export async function llamaEngine(o: LlamaEngineOptions): Promise<Engine> {
  const begun = performance.now();
  const checked = checkModel(o.model);
  if (!checked.ok) throw new Error(checked.reason);
  if (o.gpu !== "off") process.env.CUDA_VISIBLE_DEVICES ??= String(o.gpuDevice);
  const { getLlama } = await loadNodeLlamaCpp();
  const llama: Llama = await getLlama({
    gpu: o.gpu === "off" ? false : o.gpu,
    build: "never",
    maxThreads: o.threads,
    logLevel: "error",
    progressLogs: false,
  });
  const model = await llama.loadModel({ modelPath: o.model, ...(o.gpu === "off" ? { gpuLayers: 0 } : {}) });
  const contextSize = o.contextSize ?? Math.min(model.trainContextSize || 4096, 4096);
  const context: LlamaContext = await model.createContext({ contextSize, threads: o.threads, sequences: 1 });
  const sequence = context.getSequence();
  const loadMs = Math.round(performance.now() - begun);
  const vocab = metadataOf(model, ["tokenizer", "ggml", "tokens"]);
  const fileType = Number(metadataOf(model, ["general", "file_type"]));
  const vram = llama.gpu ? (await llama.getVramState()).used : model.size + context.stateSize;
  const facts: EngineFacts = {
    model: basename(o.model),
    quant_kind: FILE_TYPES[fileType] ?? (Number.isFinite(fileType) ? `file type ${fileType}` : "unknown"),
    tokenizer_kind: `gguf-${model.vocabularyType}`,
    vocab_size: Array.isArray(vocab) ? vocab.length : Number(metadataOf(model, ["llama", "vocab_size"])) || 0,
    context_length: context.contextSize,
    vram_bytes: vram,
    load_ms: loadMs,
    engine: `llama.cpp (node-llama-cpp, ${llama.gpu || "cpu"}, ${o.threads} thread${o.threads === 1 ? "" : "s"})`,
  };
  return {
    facts,
    start: (request, seed, maxTokens) => new LlamaGeneration(model, sequence, request, seed, maxTokens),
  };
}

/**
 * One job's tokens. Tokens that end inside a multi-byte character (byte
 * fallback pieces, byte-level BPE) are held until the character is whole, so
 * each text handed out is whole UTF-8; `maxTokens` counts model tokens.
 */
class LlamaGeneration implements Generation {
  end: "eos" | "max_tokens" = "eos";
  private iterator?: AsyncGenerator<Token, void, void>;
  private produced = 0;
  private held: Token[] = [];
  private trail: Token[] = [];
  private finished = false;

  constructor(
    private readonly model: LlamaModel,
    private readonly sequence: LlamaSequence,
    private readonly request: ExecuteRequest,
    private readonly seed: number | bigint | string,
    private readonly maxTokens: number,
  ) {}

  private async begin(): Promise<AsyncGenerator<Token, void, void>> {
    await this.sequence.clearHistory();
    const { bos, shouldPrependBosToken } = this.model.tokens;
    const prompt = this.model.tokenize(this.request.prompt);
    const input = shouldPrependBosToken && bos !== null ? [bos, ...prompt] : prompt;
    if (input.length === 0) throw new Error("the prompt has no tokens and the model has no BOS token");
    this.trail = prompt.slice(-TRAIL);
    const r = this.request;
    return this.sequence.evaluate(input, {
      temperature: r.temperature ?? LIMITS.temperatureDefault,
      ...(r.top_k !== undefined && r.top_k > 0 ? { topK: r.top_k } : {}),
      ...(r.top_p !== undefined ? { topP: r.top_p } : {}),
      seed: samplerSeed(this.seed),
    });
  }

  async next(): Promise<string | undefined> {
    if (this.finished) return undefined;
    this.iterator ??= await this.begin();
    for (;;) {
      if (this.produced >= this.maxTokens) return this.finish("max_tokens");
      const step = await this.iterator.next();
      if (step.done) return this.finish("eos");
      this.produced++;
      this.held.push(step.value);
      const text = this.model.detokenize(this.held, false, this.trail);
      if (text.endsWith("\uFFFD") && this.held.length < MAX_HELD) continue;
      this.trail = [...this.trail, ...this.held].slice(-TRAIL);
      this.held = [];
      if (text !== "") return text;
    }
  }

  /** The source has ended: what is still held goes out (as U+FFFD where it is not valid UTF-8). */
  private finish(end: "eos" | "max_tokens"): string | undefined {
    this.finished = true;
    this.end = end;
    const rest = this.held.length > 0 ? this.model.detokenize(this.held, false, this.trail) : "";
    this.held = [];
    return rest === "" ? undefined : rest;
  }

  async close(): Promise<void> {
    this.finished = true;
    await this.iterator?.return(undefined);
  }
}
