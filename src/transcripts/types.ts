import type { Fingerprint } from "../checks/fingerprint";
import type { WorkerEvent } from "../protocol/events";
import type { ExecuteRequest } from "../protocol/request";

/** Where and with what a transcript was recorded. */
export interface TranscriptContext {
  /** `"mock"` or `"real"`. */
  kind: string;
  /** The worker binary's file name (`"mock"` for the bundled mock). */
  binary: string;
  /** The model file: name, size and a hash of its first 64 KiB (the GGUF header). */
  model: { file: string; bytes?: number; headerSha256?: string };
  /** From `nvidia-smi`, where a GPU was used. */
  gpu?: { name: string; driver?: string; cuda?: string };
  packageVersion: string;
  /** What recorded it, in full: GPU, driver, the worker binary's and the model's sha256, versions. */
  fingerprint?: Fingerprint;
}

/** `__transcripts__/<test file>/<name>.json`. */
export interface Transcript {
  schema: 1;
  name: string;
  /** The test that recorded it. */
  test?: string;
  recordedAt: string;
  context: TranscriptContext;
  request: ExecuteRequest;
  events: WorkerEvent[];
  /** Receive time of each event, ms after the request was sent. */
  receivedAt: number[];
}
