/**
 * The part of node-llama-cpp 3's API the llama engine uses, typed here so
 * that the package type-checks and builds without it (it is an optional
 * peer dependency).
 */
export type Token = number & { __token?: never };

export interface LlamaEvaluateOptions {
  temperature?: number;
  topK?: number;
  topP?: number;
  seed?: number;
}

export interface LlamaSequence {
  clearHistory(): Promise<void>;
  evaluate(tokens: Token[], options?: LlamaEvaluateOptions): AsyncGenerator<Token, void, void>;
}

export interface LlamaContext {
  readonly stateSize: number;
  readonly contextSize: number;
  getSequence(): LlamaSequence;
}

export interface LlamaModel {
  readonly size: number;
  readonly trainContextSize: number;
  readonly vocabularyType: string;
  readonly tokens: { readonly bos: Token | null; readonly shouldPrependBosToken: boolean };
  readonly fileInfo: { metadata?: Record<string, unknown> };
  tokenize(text: string): Token[];
  detokenize(tokens: readonly Token[], specialTokens?: boolean, lastTokens?: readonly Token[]): string;
  createContext(options: {
    contextSize?: number | { max: number };
    threads?: number;
    sequences?: number;
  }): Promise<LlamaContext>;
}

export interface Llama {
  readonly gpu: string | false;
  loadModel(options: { modelPath: string; gpuLayers?: number | "auto" }): Promise<LlamaModel>;
  getVramState(): Promise<{ total: number; used: number; free: number }>;
}

export interface NodeLlamaCpp {
  getLlama(options: {
    gpu?: false | "auto" | "cuda" | "vulkan" | "metal";
    build?: "never";
    maxThreads?: number;
    logLevel?: "error" | "warn" | "info" | "debug" | "disabled";
    progressLogs?: boolean;
  }): Promise<Llama>;
}
