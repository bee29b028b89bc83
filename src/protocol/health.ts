/** Minimal `/health` body, the only form early workers answer. */
export interface MinimalHealth {
  status: "healthy" | "unhealthy";
  /** The last real builds report `vram_bytes` (not `vram_bytes_used`). */
  vram_bytes?: number;
}

/** Quantisation kinds a complete worker reports. */
export type QuantKind = "MXFP4" | "Q4_K_M" | "Q4_0";

/** Full `/health` body of a complete worker. */
export interface FullHealth extends MinimalHealth {
  model: string;
  /** True when all weights are in VRAM. */
  resident: boolean;
  quant_kind: QuantKind | string;
  vram_bytes_used: number;
  tokenizer_kind: "gguf-bpe" | "hf-json" | string;
  vocab_size: number;
  context_length: number | null;
  uptime_seconds: number;
  /** Compute capability, e.g. 86. */
  sm?: number;
  cuda_runtime_version?: string;
}

/** Either form of the `/health` body. */
export type HealthBody = MinimalHealth | Partial<FullHealth>;
