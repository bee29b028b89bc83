import { writeFileSync } from "node:fs";
import { seededRandom } from "../util/random";
import { buildVocab, detokenize, type SpmVocab, tokenize } from "./spm";
import { type GgufTensor, type GgufValue, ggufBytes } from "./writer";

/** What {@link writeLlamaModel} writes. */
export type LlamaModelSpec =
  | {
      /**
       * Chain weights: each token of this text predicts the next one, so a
       * prompt ending in one of its words is continued with the rest of it,
       * and any other prompt gets the whole text. Every token may occur once.
       */
      text: string;
      /** The last token predicts end-of-sequence (default true); false: the text starts over. */
      eos?: boolean;
      /** Seed of the weights that do not change the output (attention, feed-forward). Default 1. */
      seed?: number;
    }
  | {
      /** Random weights from this seed: the same seed writes the same file. */
      seed: number;
      text?: undefined;
      eos?: undefined;
    };

/** A written model: its bytes and what it holds. */
export interface WrittenModel {
  bytes: Buffer;
  vocabSize: number;
  embedding: number;
  layers: number;
  /** Chain weights: the text each prompt is continued with (a prompt in the text: from its last word on). */
  text?: string;
  /** Chain weights: the token ids of the text, in order. */
  chain?: number[];
}

/** A text the written model cannot be made to say; the message names the problem and the fix. */
export class ModelSpecError extends Error {}

const LAYERS = 2;
const HEADS = 4;
const CONTEXT = 2048;
/** Words of the random-weights model's vocabulary. */
const RANDOM_WORDS =
  "the a of to and in is it you that he was for on are with as I his they be at one have this from or had by word but what some we can out other were all there when up use your how said an each she which do their time if will way about many then them write would like so these her long make thing see him two has look more day could go come did number sound no most people my over know water than call first who may down side been now find any new work part take get place made live where after back little only round man year came show every good me give our under name very through just form sentence great think say help low line differ turn cause much mean before move right boy old too same tell does set three want air well also play small end put home read hand port large spell add even land here must big high such follow act why ask men change went light kind off need house picture try us again animal point mother world near build self earth father".split(
    " ",
  );

/** Gaussian numbers from a seeded stream. */
function gaussian(random: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

function filled(n: number, f: (k: number) => number): Float32Array {
  const a = new Float32Array(n);
  for (let k = 0; k < n; k++) a[k] = f(k);
  return a;
}

/** Builds the model's bytes (nothing is written; see {@link writeLlamaModel}). */
export function buildLlamaModel(spec: LlamaModelSpec): WrittenModel {
  const text = spec.text;
  if (text !== undefined && text.trim() === "")
    throw new ModelSpecError("the model's text is empty; give a sentence for it to say");
  const words = (text ?? RANDOM_WORDS.join(" ")).split(/\s+/).filter(Boolean);
  const vocab = buildVocab(words);
  const chain = text === undefined ? undefined : tokenize(vocab, text, false);
  if (chain) checkChain(vocab, chain);
  const nVocab = vocab.pieces.length;
  // One dimension per chain token (and one for "not in the text"), so predictions do not interfere.
  const nEmbd = Math.max(64, Math.ceil(((chain?.length ?? 0) + 1) / 16) * 16);
  const nFf = 2 * nEmbd;
  const random = gaussian(seededRandom(spec.seed ?? 1));
  const noise = (n: number, scale: number) => filled(n, () => random() * scale);
  const ones = (n: number) => filled(n, () => 1);

  let embed: Float32Array;
  let output: Float32Array;
  if (chain) {
    const dimOf = new Map(chain.map((id, k) => [id, k + 1]));
    // Each token is one axis: its chain position, or axis 0 for every token not in the text.
    embed = new Float32Array(nVocab * nEmbd);
    for (let id = 0; id < nVocab; id++) embed[id * nEmbd + (dimOf.get(id) ?? 0)] = 1;
    // The next token's output row points at the axis of the token before it; the first token follows axis 0.
    output = new Float32Array(nVocab * nEmbd);
    const strength = 2;
    output[chain[0] * nEmbd + 0] = strength;
    for (let k = 0; k + 1 < chain.length; k++) output[chain[k + 1] * nEmbd + k + 1] = strength;
    const last = chain.length;
    output[(spec.eos === false ? chain[0] : vocab.eos) * nEmbd + last] = strength;
  } else {
    embed = noise(nVocab * nEmbd, 1);
    output = noise(nVocab * nEmbd, 0.3);
  }
  // Chain weights silence attention and feed-forward (zero output projections): the residual stream is the embedding.
  const silent = chain !== undefined;
  const blocks: GgufTensor[] = [];
  for (let l = 0; l < LAYERS; l++) {
    const w = (name: string, dims: number[], scale: number, zero = false) =>
      blocks.push({
        name: `blk.${l}.${name}.weight`,
        dims,
        data: zero ? new Float32Array(dims[0] * dims[1]) : noise(dims[0] * dims[1], scale),
      });
    blocks.push({ name: `blk.${l}.attn_norm.weight`, dims: [nEmbd], data: ones(nEmbd) });
    w("attn_q", [nEmbd, nEmbd], 0.1);
    w("attn_k", [nEmbd, nEmbd], 0.1);
    w("attn_v", [nEmbd, nEmbd], 0.1);
    w("attn_output", [nEmbd, nEmbd], 0.1, silent);
    blocks.push({ name: `blk.${l}.ffn_norm.weight`, dims: [nEmbd], data: ones(nEmbd) });
    w("ffn_gate", [nEmbd, nFf], 0.1);
    w("ffn_up", [nEmbd, nFf], 0.1);
    w("ffn_down", [nFf, nEmbd], 0.1, silent);
  }
  const tensors: GgufTensor[] = [
    { name: "token_embd.weight", dims: [nEmbd, nVocab], data: embed },
    ...blocks,
    { name: "output_norm.weight", dims: [nEmbd], data: ones(nEmbd) },
    { name: "output.weight", dims: [nEmbd, nVocab], data: output },
  ];
  const u32 = (value: number): GgufValue => ({ type: "u32", value });
  const metadata: [string, GgufValue][] = [
    ["general.architecture", { type: "string", value: "llama" }],
    [
      "general.name",
      {
        type: "string",
        value: chain ? "worker-orcd-jest chain" : `worker-orcd-jest random seed ${spec.seed}`,
      },
    ],
    ["general.file_type", u32(0)],
    ["llama.context_length", u32(CONTEXT)],
    ["llama.embedding_length", u32(nEmbd)],
    ["llama.block_count", u32(LAYERS)],
    ["llama.feed_forward_length", u32(nFf)],
    ["llama.attention.head_count", u32(HEADS)],
    ["llama.attention.head_count_kv", u32(HEADS)],
    ["llama.rope.dimension_count", u32(nEmbd / HEADS)],
    ["llama.attention.layer_norm_rms_epsilon", { type: "f32", value: 1e-5 }],
    ["llama.vocab_size", u32(nVocab)],
    ["tokenizer.ggml.model", { type: "string", value: "llama" }],
    ["tokenizer.ggml.tokens", { type: "string[]", value: vocab.pieces }],
    ["tokenizer.ggml.scores", { type: "f32[]", value: vocab.scores }],
    ["tokenizer.ggml.token_type", { type: "i32[]", value: vocab.types }],
    ["tokenizer.ggml.bos_token_id", u32(vocab.bos)],
    ["tokenizer.ggml.eos_token_id", u32(vocab.eos)],
    ["tokenizer.ggml.unknown_token_id", u32(vocab.unk)],
    ["tokenizer.ggml.add_bos_token", { type: "bool", value: true }],
    ["tokenizer.ggml.add_eos_token", { type: "bool", value: false }],
  ];
  return {
    bytes: ggufBytes(metadata, tensors),
    vocabSize: nVocab,
    embedding: nEmbd,
    layers: LAYERS,
    ...(chain ? { text: detokenize(vocab, chain), chain } : {}),
  };
}

/** A chain token that occurs twice would predict two different next tokens. */
function checkChain(vocab: SpmVocab, chain: number[]): void {
  const seen = new Map<number, number>();
  chain.forEach((id, k) => {
    const first = seen.get(id);
    if (first !== undefined) {
      const piece = JSON.stringify(vocab.pieces[id].replace(/\u2581/g, " "));
      throw new ModelSpecError(
        `the text has the token ${piece} twice (tokens ${first} and ${k}): a written model predicts each token from the one before it alone, so each may occur once; reword the text (a repeated word can differ in case or punctuation)`,
      );
    }
    seen.set(id, k);
  });
}

/** Writes a small llama-architecture GGUF model (well under 1 MB) to `path`; returns what it holds. */
export function writeLlamaModel(path: string, spec: LlamaModelSpec): WrittenModel {
  const model = buildLlamaModel(spec);
  writeFileSync(path, model.bytes);
  return model;
}
