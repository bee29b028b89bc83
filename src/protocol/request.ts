/** Body of `POST /execute` (PROTOCOL.md, "POST /execute"). */
export interface ExecuteRequest {
  /** Non-empty job identifier. */
  job_id: string;
  /** Prompt text, 1 to 32768 Unicode scalar values. */
  prompt: string;
  /** 1..2048; the specification defaults it to 2048, the last real builds require it. */
  max_tokens?: number;
  /** 0.0..2.0, default 1.0. */
  temperature?: number;
  /** 0.0..1.0, 1.0 = off. */
  top_p?: number;
  /** >= 0, 0 = off. */
  top_k?: number;
  /** 0.0..2.0, 1.0 = off. */
  repetition_penalty?: number;
  /** 0.0..1.0, 0.0 = off. */
  min_p?: number;
  /** At most 4 stop sequences, each non-empty, each at most 100 bytes. */
  stop?: string[];
  /** u64 seed; random when absent (42 in the last real builds). */
  seed?: number;
}

/** Body of `POST /cancel`. */
export interface CancelRequest {
  job_id: string;
}
