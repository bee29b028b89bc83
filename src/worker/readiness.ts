import { BodyTooLargeError } from "../client/body";
import { HEALTH_CHECK_MS, isReady } from "../protocol/health";
import { clearInterval, now, setInterval } from "../util/clock";
import { guard } from "../util/timers";

/** Largest `/health` body read while waiting for readiness (a real one is under 1 KiB). */
const MAX_HEALTH_BYTES = 64 * 1024;

import type { CallbackServer } from "./callback-server";
import type { LogBuffer } from "./log-buffer";
import { probe } from "./probe";

/** How readiness was established. */
export interface Readiness {
  /** Milliseconds from spawn to ready. */
  ms: number;
  /** The `/health` body that declared the worker ready. */
  health: unknown;
  /**
   * The longest time this process's event loop was blocked during the wait
   * (ms, rounded; Jest loading and compiling a test file, say). Over
   * {@link BLOCKED_MS}, `ms` may include up to that much of this process
   * being busy elsewhere, not of the worker starting.
   */
  blockedMs: number;
}

/** A block of the event loop longer than this makes a start-up figure doubtful (see {@link Readiness.blockedMs}). */
export const BLOCKED_MS = 50;
const TICK_MS = 10;

/** Inputs of {@link waitForReady}. */
export interface ReadinessInput {
  healthUrl: string;
  callback?: CallbackServer;
  /** Resolves when the worker process exits; ends the wait at once. None for a worker this run did not start. */
  exited?: Promise<unknown>;
  /** Sent with every probe (an attached worker's credentials). */
  headers?: Record<string, string>;
  /**
   * End the wait at once on an answer that waiting cannot change (see
   * {@link finalAnswer}): for a worker that was running before the run, whose
   * answers are its settled ones. A worker the run starts is probed to its
   * deadline, since its port may answer for something else while it loads.
   */
  finalAnswers?: boolean;
  timeoutMs: number;
  startedAt: number;
  /** Ends the wait at once when aborted (whoever started the worker no longer wants it). */
  signal?: AbortSignal;
  /** The worker's output: each line it writes triggers a probe at once (a worker says when it is ready). */
  logs?: LogBuffer;
}

/** Why the wait ended without a ready worker. */
export class NotReadyError extends Error {
  constructor(
    message: string,
    readonly reason: "exited" | "timeout" | "aborted" | "final",
    /** The last probe's answer or error, in words. */
    readonly last = "",
  ) {
    super(message);
  }
}

/**
 * Why an answer to `GET /health` cannot turn into "ready" by waiting, or
 * undefined when it can: credentials refused (401, 403), no such route (404,
 * 405), a redirect (never followed), or a 200 whose body is not a `/health`
 * body at all. A 5xx, a timeout or a refused connection may change.
 */
export function finalAnswer(status: number, text: string): string | undefined {
  if (status === 401 || status === 403)
    return `HTTP ${status}: the worker refused this run's credentials (check the token in the URL or workerOrcd.headers)`;
  if (status === 404 || status === 405)
    return `HTTP ${status}: nothing serves GET /health at this address (is the URL a worker-orcd worker?)`;
  if (status >= 300 && status < 400)
    return `HTTP ${status}: a redirect, which worker-orcd-jest never follows (give the URL it points to)`;
  if (status !== 200) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const ok = body !== null && typeof body === "object" && "status" in body;
  return ok
    ? undefined
    : `HTTP 200 with a body that is not a /health body: ${JSON.stringify(text.slice(0, 120))}`;
}

/**
 * Waits until the worker is ready: `/health` answers 200 with status
 * `healthy` and, where reported, `resident` true. The readiness callback
 * triggers an immediate probe (a real worker posts it before it listens, so
 * it is never enough alone), and so does each line the worker writes. Probes back off from 5 ms to 100 ms. The worker's
 * exit or the deadline ends the wait with a {@link NotReadyError}.
 */
export async function waitForReady(input: ReadinessInput): Promise<Readiness> {
  const deadline = input.startedAt + input.timeoutMs;
  let last = "no probe answered yet";
  let exited = false;
  let wake: (() => void) | undefined;
  void input.exited?.then(() => {
    exited = true;
    wake?.();
  });
  void input.callback?.wait().then(() => wake?.());
  const { signal } = input;
  const onAbort = () => wake?.();
  signal?.addEventListener("abort", onAbort, { once: true });
  // A chatty worker (a progress line per tensor) must not turn probing into a busy loop: at most one per 10 ms.
  let probedAt = 0;
  const unwatch = input.logs?.watch(() => {
    if (now() - probedAt >= 10) wake?.();
  });
  // Notes how long the event loop was blocked while waiting: then readiness is seen late, and `ms` says more than
  // the worker's start. Unref'd: the wait of a spare must not hold this process open.
  let lastTick = now();
  let blocked = 0;
  const noteBlock = () => {
    const t = now();
    blocked = Math.max(blocked, t - lastTick - TICK_MS);
    lastTick = t;
  };
  const ticker = setInterval(noteBlock, TICK_MS);
  ticker.unref();
  const finish = () => {
    signal?.removeEventListener("abort", onAbort);
    unwatch?.();
    clearInterval(ticker);
  };
  let delay = 5;
  while (!exited && !signal?.aborted) {
    const remaining = deadline - now();
    if (remaining <= 0) break;
    probedAt = now();
    try {
      const res = await probe(
        input.healthUrl,
        Math.max(50, Math.min(HEALTH_CHECK_MS, remaining)),
        MAX_HEALTH_BYTES,
        input.headers,
      );
      let body: unknown;
      try {
        body = JSON.parse(res.text);
      } catch {
        body = undefined;
      }
      if (res.status === 200 && isReady(body)) {
        noteBlock();
        finish();
        return {
          ms: Math.round(now() - input.startedAt),
          health: body,
          blockedMs: Math.round(Math.max(0, blocked)),
        };
      }
      last = `HTTP ${res.status} ${res.text.slice(0, 200)}`;
      const final = input.finalAnswers ? finalAnswer(res.status, res.text) : undefined;
      if (final) {
        finish();
        throw new NotReadyError(`GET ${input.healthUrl} answered ${final}`, "final", final);
      }
    } catch (error) {
      if (error instanceof NotReadyError) throw error;
      const e = error as Error & { code?: string };
      last = e instanceof BodyTooLargeError ? `GET /health: ${e.message}` : (e.code ?? e.message);
    }
    if (signal?.aborted) break;
    await new Promise<void>((resolve) => {
      wake = resolve;
      void guard(Math.min(delay, Math.max(0, deadline - now()))).then(() => resolve());
    });
    wake = undefined;
    delay = Math.min(100, delay * 2);
  }
  finish();
  const waited = Math.round(now() - input.startedAt);
  const cb = input.callback
    ? input.callback.body !== undefined
      ? "received"
      : "not received"
    : "not requested";
  if (signal?.aborted) {
    throw new NotReadyError(`the start was abandoned after ${waited} ms (no longer wanted)`, "aborted");
  }
  if (exited) {
    throw new NotReadyError(`worker exited before it was ready (after ${waited} ms)`, "exited");
  }
  throw new NotReadyError(
    `worker was not ready within ${input.timeoutMs} ms (startupTimeoutMs): waited for GET ${input.healthUrl} ` +
      `to answer {"status":"healthy"} (last probe: ${last}) and for the readiness callback (${cb})`,
    "timeout",
    last,
  );
}
