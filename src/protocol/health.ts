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

/**
 * Why a `/health` body does not say "ready" (status `healthy` and, where
 * reported, `resident` true: the model is all in VRAM), or undefined when
 * it does. The one readiness rule: the start-up wait, an attached worker's
 * wait and `toBeHealthy` all apply it.
 */
export function notReadyBecause(body: unknown): string | undefined {
  if (!body || typeof body !== "object" || Array.isArray(body)) return "it is not an object";
  const b = body as { status?: unknown; resident?: unknown };
  if (b.status !== "healthy") return `status is ${JSON.stringify(b.status)}`;
  if (b.resident === false) return "resident is false (the model is not all in VRAM yet)";
  return undefined;
}

/** True when a `/health` body says the worker is ready (see {@link notReadyBecause}). */
export function isReady(body: unknown): boolean {
  return notReadyBecause(body) === undefined;
}

/**
 * True when a `/health` body says the worker is idle: healthy and not
 * reporting itself busy. A kept or pooled worker is handed on, and an
 * attached one is seen free again, only when it is.
 */
export function isIdle(body: unknown): boolean {
  const b = body as { status?: unknown; busy?: unknown } | undefined;
  return b?.status === "healthy" && b.busy !== true;
}

/**
 * How long a kept, pooled or attached worker may take to answer `GET
 * /health` when it is checked before being handed to a file (it is then
 * replaced, or the file fails).
 */
export const HEALTH_CHECK_MS = 2_000;
