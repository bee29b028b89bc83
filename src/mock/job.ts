import { basename } from "node:path";
import type { ErrorCode, ExecuteRequest, StopReason, WorkerEvent } from "../protocol";
import { asBuildToken } from "../protocol/byte-level";
import { COMPAT_DEFAULT_SEED } from "../protocol/limits";
import type { Transcript } from "../transcripts/types";
import type { Engine } from "./engine";
import { faultArg } from "./faults";
import { type Generation, scripted } from "./generator";
import { log } from "./log";
import type { MockOptions } from "./options";
import type { MockScript } from "./script";
import type { SseWriter } from "./sse-writer";

/** Why a job was stopped from outside. */
export type AbortReason = "cancel" | "disconnect" | "timeout" | "shutdown";

/** How a job ended, for /metrics. */
export type Outcome = "success" | "cancelled" | "error" | "disconnected";

/** One running `/execute` job of the mock worker. */
export class Job {
  private abortReason?: AbortReason;
  private wake?: () => void;
  /** Tokens produced so far. */
  tokens = 0;

  constructor(
    readonly id: string,
    private readonly request: ExecuteRequest,
    private readonly options: MockOptions,
    private readonly engine: Engine,
    /** Tokens to send instead of generated ones (the request's script header, else the worker's `--script`). */
    private readonly script?: MockScript,
    /** Replay mode: the recorded transcript to send, with its timing. */
    private readonly replayed?: Transcript,
  ) {}

  /** Stops the job at its next step (within one token interval at most, since waits are interruptible). */
  abort(reason: AbortReason): void {
    this.abortReason ??= reason;
    this.wake?.();
  }

  /** Waits `ms`, or less when the job is aborted. */
  private wait(ms: number): Promise<void> {
    if (this.abortReason) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = ms > 0 ? setTimeout(done, ms) : setImmediate(done);
      function done() {
        clearTimeout(timer as NodeJS.Timeout);
        clearImmediate(timer as NodeJS.Immediate);
        resolve();
      }
      this.wake = done;
    });
  }

  /** Sends a recorded transcript's events at their recorded times (× `--replay-speed`), the job id replaced. */
  private async replay(out: SseWriter, transcript: Transcript): Promise<Outcome> {
    const begun = performance.now();
    const speed = this.options.replaySpeed;
    let outcome: Outcome = "success";
    for (let k = 0; k < transcript.events.length; k++) {
      const due = begun + (transcript.receivedAt[k] ?? 0) * speed - performance.now();
      if (due > 0) await this.wait(due);
      if (this.abortReason) break;
      const recorded = transcript.events[k];
      const event = recorded.type === "started" ? { ...recorded, job_id: this.id } : recorded;
      await out.event(event);
      if (event.type === "token") this.tokens++;
      if (event.type === "error") outcome = "error";
    }
    if (this.abortReason === "disconnect") return "disconnected";
    if (this.abortReason) {
      await out.event({
        type: "error",
        code: "CANCELLED",
        message: `job ${this.id} was cancelled`,
        retriable: false,
      });
      return "cancelled";
    }
    return outcome;
  }

  /** Sends an error event (without `retriable` in compat mode, as the last real builds do). */
  private async fail(out: SseWriter, code: ErrorCode, message: string, retriable: boolean): Promise<"error"> {
    await out.event(
      this.options.compat ? { type: "error", code, message } : { type: "error", code, message, retriable },
    );
    return "error";
  }

  /** Runs the job, writing its events; returns how it ended. */
  async run(out: SseWriter): Promise<Outcome> {
    if (this.replayed) return this.replay(out, this.replayed);
    const o = this.options;
    const { faults, compat } = o;
    const send = (event: WorkerEvent) => out.event(event);
    const fail = (code: ErrorCode, message: string, retriable: boolean) =>
      this.fail(out, code, message, retriable);

    if (faults["inference-failed"] && compat)
      return fail("INFERENCE_FAILED", "inference failed before start", false);
    await send({
      type: "started",
      job_id: this.id,
      model: compat ? "model" : basename(o.model),
      started_at: compat ? "0" : new Date().toISOString(),
    });
    if (faults["inference-failed"]) return fail("INFERENCE_FAILED", "inference failed (mock fault)", false);

    const req = this.request;
    const random = () => Math.floor(Math.random() * 2 ** 47);
    const seed = faults["ignore-seed"] ? random() : (req.seed ?? (compat ? COMPAT_DEFAULT_SEED : random()));
    const max = req.max_tokens ?? o.maxTokensOut;
    const gen = this.script ? scripted(this.script) : this.engine.start(req, seed, max);
    try {
      return await this.generate(out, gen, max);
    } catch (error) {
      log("ERROR", `generation failed: ${(error as Error).message}`, { job_id: this.id });
      return fail("INFERENCE_FAILED", `generation failed: ${(error as Error).message}`, false);
    } finally {
      await gen.close?.();
    }
  }

  /** Sends a generation's tokens under the protocol's rules (stop sequences, limits, faults), then the terminal event. */
  private async generate(out: SseWriter, gen: Generation, max: number): Promise<Outcome> {
    const o = this.options;
    const { faults, compat } = o;
    const req = this.request;
    const send = (event: WorkerEvent) => out.event(event);
    const fail = (code: ErrorCode, message: string, retriable: boolean) =>
      this.fail(out, code, message, retriable);
    // Build 5d6c9a4a ignores stop sequences: SamplingConfig::from_request leaves the tokenized list empty.
    const stops = compat ? [] : (req.stop ?? []);
    const longestStop = Math.max(0, ...stops.map((s) => s.length));
    const begun = performance.now();
    let tail = "";
    let reason: StopReason | undefined;
    let matched: string | undefined;

    await this.wait(o.firstTokenDelayMs);
    while (!reason) {
      if (this.abortReason) break;
      if (this.tokens >= max) {
        reason = "max_tokens";
        break;
      }
      if (faults["crash-mid-stream"] && this.tokens === faultArg(faults, "crash-mid-stream", 3)) {
        log("ERROR", "CUDA error: an illegal memory access was encountered (mock crash)", {
          job_id: this.id,
        });
        process.kill(process.pid, "SIGKILL");
      }
      if (faults["stall-mid-stream"] && this.tokens === faultArg(faults, "stall-mid-stream", 2)) {
        await this.wait(2 ** 31 - 1);
        break;
      }
      const next = gen.next();
      const t = typeof next === "object" ? await next : next;
      if (this.abortReason) break;
      if (t === undefined) {
        reason = gen.end === "max_tokens" ? "max_tokens" : "eos";
        break;
      }
      // The build sends its tokenizer's pieces as stored (byte-level BPE), not decoded text.
      await send({ type: "token", t: compat ? asBuildToken(t) : t, i: this.tokens });
      this.tokens++;
      // Only the tail that can hold a match ending in this token is kept (a growing string would make this quadratic).
      tail = (tail + t).slice(-(longestStop + t.length));
      if (this.tokens === 1 && faults["malformed-event"]) await out.frame("token", "{not json");
      if (this.tokens === 1 && faults["unknown-event"]) await out.frame("progress", '{"type":"progress"}');
      matched = stops.find((s) => tail.includes(s));
      if (matched !== undefined) reason = "stop_sequence";
      else if (!compat && o.metricsEvery > 0 && this.tokens % o.metricsEvery === 0) {
        const secs = (performance.now() - begun) / 1000;
        await send({
          type: "metrics",
          tokens_per_sec: secs > 0 ? this.tokens / secs : 0,
          vram_bytes: this.engine.facts.vram_bytes,
        });
      }
      // At zero pace, yield to the event loop (cancel, disconnect) every 64 tokens, not every token.
      if (!reason && (o.tokenIntervalMs > 0 || this.tokens % 64 === 0)) await this.wait(o.tokenIntervalMs);
    }

    if (this.abortReason === "disconnect") return "disconnected";
    if (this.abortReason === "timeout") {
      return fail("INFERENCE_TIMEOUT", `inference exceeded ${o.inferenceTimeoutSec} s`, true);
    }
    if (this.abortReason) {
      await fail("CANCELLED", `job ${this.id} was cancelled`, false);
      return "cancelled";
    }
    if (reason === "eos" && gen.end === "error") {
      const e = this.script?.error ?? {};
      return fail(e.code ?? "INFERENCE_FAILED", e.message ?? "scripted failure (mock)", e.retriable ?? false);
    }
    // Build 5d6c9a4a never reports eos: it breaks on EOS and InferenceExecutor::finalize() defaults to MaxTokens.
    const stopReason = compat && reason === "eos" ? "max_tokens" : (reason ?? "max_tokens");
    await send({
      type: "end",
      tokens_out: this.tokens,
      decode_time_ms: Math.round(performance.now() - begun),
      stop_reason: compat ? (stopReason.toUpperCase() as Uppercase<StopReason>) : stopReason,
      ...(stopReason === "stop_sequence" ? { stop_sequence_matched: matched } : {}),
    });
    if (faults["double-terminal"]) await fail("INTERNAL", "second terminal event (mock fault)", false);
    return "success";
  }
}
