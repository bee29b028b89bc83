import type { ReceivedEvent } from "../protocol/events";
import type { HealthBody } from "../protocol/health";
import { type ExecuteRequest, serializeRequest } from "../protocol/request";
import { legacyCancelRoute, ROUTES, SSE_CONTENT_TYPE } from "../protocol/routes";
import { now } from "../util/clock";
import { checkDuration } from "../util/duration";
import { asError, sleep } from "../util/timers";
import { combineSignals, withDeadline } from "./deadline";
import {
  ConfigError,
  IncompleteStreamError,
  RequestTimeoutError,
  StreamError,
  UnsupportedRouteError,
  WorkerHttpError,
} from "./errors";
import { clip, eventStreamBody, fetchWorker, httpError, type RawResponse, toRaw } from "./http";

export type { RawResponse };

import { EventSink } from "./event-sink";
import { decodeEventStream } from "./event-stream";
import { type JobEntry, JobLedger } from "./job-ledger";
import { JobStats } from "./job-stats";
import { type PrometheusSample, parsePrometheus } from "./prometheus";
import { attachSource, type EventSource } from "./received";

/** Options of a {@link WorkerClient}. */
export interface WorkerClientOptions {
  /** Whole-call limit of each request, streams included. Default 60 000 ms. */
  requestTimeoutMs?: number;
  /** Longest silence inside a stream. Default 30 000 ms. */
  idleTimeoutMs?: number;
  /** How long to keep reading after a terminal event, to see anything the worker sends after it. Default 200 ms. */
  afterTerminalMs?: number;
  /** Last lines of the worker's log, shown in failure messages. */
  logTail?: (lines: number) => string[];
  /**
   * Gives a better error for a failed call, e.g. "the worker process exited"
   * instead of a socket error. Return `undefined` to keep the original.
   */
  explainFailure?: (error: Error, requestedAt: number) => Promise<Error | undefined>;
  /**
   * The calls in flight and abandoned: shared by every client of one worker
   * (the Jest environment passes its own, which knows the running test).
   * Default: one of this client's own.
   */
  jobs?: JobLedger;
  /**
   * How long a 503 that names a job this client abandoned (a `break` out of
   * `stream()`, an aborted call) is retried while the worker notices the
   * disconnect. Default 2 000 ms.
   */
  busyRetryMs?: number;
  /** Headers sent with every request (e.g. `Authorization` for an attached worker); a call's own headers win. */
  headers?: Record<string, string>;
}

/** Per-call options. */
export interface CallOptions {
  /** Aborts the call. */
  signal?: AbortSignal;
  /** Overrides the client's `requestTimeoutMs` for this call. */
  timeoutMs?: number;
  /** Overrides the client's `idleTimeoutMs` for this call (streams only). */
  idleTimeoutMs?: number;
  /**
   * Request headers added to this call (a correlation id, or the mock's
   * script header from `mockScript()`); they cannot replace the
   * `content-type` and `accept` the protocol needs, except through `raw()`.
   */
  headers?: Record<string, string>;
  /**
   * Record this call as the test file's transcript `name` (the preset's
   * global `worker` only; see the README's transcripts section). A plain
   * client ignores it.
   */
  record?: string;
}

/** Options of {@link WorkerClient.executeRaw}. */
export interface RawCallOptions extends CallOptions {
  /** Content-Type to send; `null` sends none. Default `application/json`. */
  contentType?: string | null;
}

/** Options of {@link WorkerClient.raw}. */
export interface RawRequestOptions extends RawCallOptions {
  /** Body to send: a string as is, anything else as JSON. None by default. */
  body?: unknown;
}

/** What {@link WorkerClient.cancel} did. */
export interface CancelResult {
  status: number;
  /** The route that accepted the cancel. */
  route: "/cancel" | `/cancel/${string}`;
}

/** Prometheus metrics of a worker. */
export interface MetricsResult {
  text: string;
  samples: PrometheusSample[];
}

const DEFAULTS = {
  requestTimeoutMs: 60_000,
  idleTimeoutMs: 30_000,
  afterTerminalMs: 200,
  busyRetryMs: 2_000,
};
/** Events of a `stream()` kept for error messages: the first few and the last ones. */
const STREAM_WINDOW = 64;

/**
 * HTTP client for one worker-orcd base URL: `/execute` as a collected list or
 * an async iterator of events, `/health`, `/cancel`, `/shutdown`, `/metrics`,
 * and a raw form for examining rejections. Survives the differences of the
 * last real builds listed in docs/protocol.md.
 */
export class WorkerClient {
  /** Base URL, e.g. `http://127.0.0.1:4100`. */
  readonly baseUrl: string;
  private readonly options: Required<
    Omit<WorkerClientOptions, "logTail" | "explainFailure" | "jobs" | "headers">
  > &
    Pick<WorkerClientOptions, "logTail" | "explainFailure">;
  /** The calls in flight and abandoned (see {@link WorkerClientOptions.jobs}). */
  readonly jobs: JobLedger;
  /** Headers of every request ({@link WorkerClientOptions.headers}). */
  private readonly headers: Record<string, string>;

  constructor(baseUrl: string, options: WorkerClientOptions = {}) {
    if (typeof baseUrl !== "string" || !/^https?:\/\/[^/]+/.test(baseUrl)) {
      throw new TypeError(
        `WorkerClient needs an http(s) base URL such as "http://127.0.0.1:8080", got ${JSON.stringify(baseUrl)}`,
      );
    }
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    const { jobs: _jobs, headers, ...rest } = options;
    this.headers = headers ?? {};
    this.options = { ...DEFAULTS, ...stripUndefined(rest) };
    this.jobs = options.jobs ?? new JobLedger();
    for (const key of ["requestTimeoutMs", "idleTimeoutMs", "afterTerminalMs", "busyRetryMs"] as const) {
      this.options[key] = optionMs(this.options[key], `WorkerClient option ${key}`);
    }
  }

  /** `GET /health`: the body, minimal or full form. Throws on a non-200 answer. */
  async health(options: CallOptions = {}): Promise<HealthBody> {
    const res = await this.request("GET", ROUTES.health, undefined, options);
    if (res.status !== 200) throw httpError("GET /health", res);
    if (!res.json || typeof res.json !== "object") {
      throw new WorkerHttpError(
        `GET /health answered 200 but not with a JSON object: ${clip(res.text)}`,
        200,
        res.text,
      );
    }
    return res.json as HealthBody;
  }

  /**
   * `POST /execute` and collect every event until the stream closes.
   * Rejects with a {@link StreamError} subclass (carrying the events so far) on a
   * protocol violation, idle stream, or a stream that ends without a terminal event.
   */
  execute(request: ExecuteRequest, options: CallOptions = {}): Promise<ReceivedEvent[]> {
    const entry = this.jobs.begin(String(request?.job_id));
    const collect = async () => {
      const events = new EventSink();
      const source = this.source();
      for await (const batch of this.streamInto(request, options, events, source, entry)) void batch;
      return attachSource(events.kept(), source);
    };
    const promise = collect();
    entry.promise = promise;
    return promise;
  }

  /**
   * `POST /execute` as an async iterator of events as they arrive. Memory
   * stays flat however long the stream: events are not kept after they are
   * yielded (error messages use a bounded window of them, and counts).
   */
  async *stream(
    request: ExecuteRequest,
    options: CallOptions = {},
  ): AsyncGenerator<ReceivedEvent, void, undefined> {
    const events = new EventSink(STREAM_WINDOW);
    const entry = this.jobs.begin(String(request?.job_id));
    // Once its test has ended, the stream throws at the next step, whatever it still holds: user code
    // iterating it must not run on into later tests.
    const ended = () => {
      const reason = entry.controller.signal.reason as Error | undefined;
      if (reason?.name === "JobAbandonedError") throw reason;
    };
    for await (const batch of this.streamInto(request, options, events, this.source(), entry))
      for (const event of batch) {
        ended();
        yield event;
      }
    ended();
  }

  /**
   * Any route, any method, any body: the whole answer (status, headers, text,
   * JSON), never thrown for a status. E.g. `raw("GET", "/health")` for the
   * status and headers of `/health`, `raw("POST", "/cancel", { body: { job_id } })`.
   */
  async raw(method: string, path: string, options: RawRequestOptions = {}): Promise<RawResponse> {
    if (typeof path !== "string" || !path.startsWith("/"))
      throw new TypeError(`WorkerClient.raw: path must start with "/", got ${JSON.stringify(path)}`);
    const { body } = options;
    const text = body === undefined || typeof body === "string" ? body : JSON.stringify(body);
    const contentType = options.contentType === undefined ? "application/json" : options.contentType;
    return this.request(method.toUpperCase(), path, text, options, contentType);
  }

  /** `GET /health` as a raw answer (status and headers too), for workers that answer it oddly. */
  healthRaw(options: CallOptions = {}): Promise<RawResponse> {
    return this.request("GET", ROUTES.health, undefined, options);
  }

  /** Sends any body to `/execute` and returns the whole answer, for examining rejections. */
  async executeRaw(body: unknown, options: RawCallOptions = {}): Promise<RawResponse> {
    const text = typeof body === "string" ? body : JSON.stringify(body);
    const contentType = options.contentType === undefined ? "application/json" : options.contentType;
    return this.request("POST", ROUTES.execute, text, options, contentType);
  }

  /**
   * Cancels a job: `POST /cancel` with `{"job_id"}` (the specification), then
   * `POST /cancel/{id}` only when the first answers 404. Throws
   * {@link UnsupportedRouteError} when the worker has neither route.
   */
  async cancel(jobId: string, options: CallOptions = {}): Promise<CancelResult> {
    const first = await this.request("POST", ROUTES.cancel, JSON.stringify({ job_id: jobId }), options);
    if (first.status !== 404) return accepted("POST /cancel", first, ROUTES.cancel);
    const route = legacyCancelRoute(jobId);
    const second = await this.request("POST", route, "", options);
    if (second.status === 404) {
      throw new UnsupportedRouteError(
        `${this.baseUrl} does not support cancellation: POST /cancel and POST ${route} both answered 404 ` +
          "(the last real worker-orcd builds have no cancel route; let the job finish or use a worker that implements /cancel)",
      );
    }
    return accepted(`POST ${route}`, second, route);
  }

  /** `POST /shutdown`: the worker finishes its job and exits. */
  async shutdown(options: CallOptions = {}): Promise<{ status: number }> {
    const res = await this.request("POST", ROUTES.shutdown, "", options);
    if (res.status === 404)
      throw new UnsupportedRouteError(`${this.baseUrl} has no POST /shutdown route (404)`);
    if (res.status >= 300) throw httpError("POST /shutdown", res);
    return { status: res.status };
  }

  /** `GET /metrics`: Prometheus text and its samples. */
  async metrics(options: CallOptions = {}): Promise<MetricsResult> {
    const res = await this.request("GET", ROUTES.metrics, undefined, options);
    if (res.status === 404)
      throw new UnsupportedRouteError(`${this.baseUrl} has no GET /metrics route (404)`);
    if (res.status !== 200) throw httpError("GET /metrics", res);
    return { text: res.text, samples: parsePrometheus(res.text) };
  }

  private source(): EventSource {
    return { label: this.baseUrl, logTail: this.options.logTail, requestedAt: now() };
  }

  private async *streamInto(
    request: ExecuteRequest,
    options: CallOptions,
    events: EventSink,
    source: EventSource,
    entry: JobEntry = this.jobs.begin(String(request?.job_id)),
  ): AsyncGenerator<ReceivedEvent[], void, undefined> {
    const jobId = entry.jobId;
    const timeoutMs = callMs(options.timeoutMs, "timeoutMs", this.options.requestTimeoutMs);
    const idleTimeoutMs = callMs(options.idleTimeoutMs, "idleTimeoutMs", this.options.idleTimeoutMs);
    const signal = combineSignals(timeoutMs, options.signal, entry.controller.signal);
    source.requestedAt = now();
    let started = false;
    // Measured only when somebody listens (the Jest environment, for the run report).
    const stats = this.jobs.onJob ? new JobStats(() => source.requestedAt ?? now()) : undefined;
    let failure: Error | undefined;
    let rejected = false;
    try {
      const res = await this.openStream(request, jobId, signal, options.headers);
      started = true;
      entry.answeredAt = now();
      stats?.answered(entry.answeredAt);
      source.requestedAt = res.sentAt;
      const decoding = decodeEventStream(
        res.body,
        { jobId, idleTimeoutMs, afterTerminalMs: this.options.afterTerminalMs },
        events,
      );
      if (!stats) yield* decoding;
      else
        for await (const batch of decoding) {
          stats.add(batch);
          yield batch;
        }
    } catch (error) {
      // The worker answered (400, 503, ...): it started nothing, so the call is not abandoned.
      rejected = !started && error instanceof WorkerHttpError && error.status > 0;
      failure = await this.explain(
        this.classify(error, jobId, events, timeoutMs, signal, options.signal, entry),
        source.requestedAt,
      );
      throw failure;
    } finally {
      if (stats) {
        const prompt = (request as { prompt?: unknown })?.prompt;
        this.jobs.onJob?.(
          stats.record(
            {
              test: entry.owner,
              jobId,
              worker: this.baseUrl,
              promptChars: typeof prompt === "string" ? prompt.length : 0,
              maxTokens: request?.max_tokens,
            },
            failure,
          ),
        );
      }
      // A call aborted before the answer came may have started a job on the worker: count it as abandoned.
      // One the worker answered with a rejection (or never reached) left nothing running.
      const cutShort = signal.aborted; // read before the abort below, which ends the body's reading
      entry.controller.abort();
      this.jobs.finish(entry, events.sawTerminal || rejected || (!started && !cutShort));
    }
  }

  /**
   * Sends `POST /execute` and returns the event-stream body. A 503 naming a
   * job that a client of this ledger abandoned (the worker has not noticed
   * the disconnect yet) is retried for up to `busyRetryMs`; any other
   * non-200 answer is a {@link WorkerHttpError} (a busy worker's names who
   * started the running job, where known).
   */
  private async openStream(
    request: ExecuteRequest,
    jobId: string,
    signal: AbortSignal,
    extraHeaders: Record<string, string> | undefined,
  ): Promise<{ body: ReadableStream<Uint8Array>; sentAt: number }> {
    const body = serializeRequest(request);
    const giveUpAt = now() + this.options.busyRetryMs;
    for (let delay = 5; ; delay = Math.min(100, delay * 2)) {
      const sentAt = now();
      const res = await fetchWorker(
        `${this.baseUrl}${ROUTES.execute}`,
        {
          method: "POST",
          headers: {
            ...lowerKeys(this.headers),
            ...lowerKeys(extraHeaders),
            "content-type": "application/json",
            accept: SSE_CONTENT_TYPE,
          },
          body,
          signal,
        },
        `POST /execute (job ${JSON.stringify(jobId)})`,
      );
      if (res.status === 200) return { body: await eventStreamBody(res, jobId), sentAt };
      const raw = await toRaw(res);
      const running = runningJobOf(raw);
      if (running !== undefined && this.jobs.wasAbandoned(running) && now() + delay < giveUpAt) {
        await sleep(delay);
        continue;
      }
      const who = running === undefined ? undefined : this.jobs.describe(running);
      const note = who ? ` (the running job ${JSON.stringify(running)} was ${who})` : "";
      throw httpError(`POST /execute (job ${JSON.stringify(jobId)})`, raw, note);
    }
  }

  private classify(
    error: unknown,
    jobId: string,
    events: EventSink,
    timeoutMs: number,
    signal: AbortSignal,
    userSignal: AbortSignal | undefined,
    entry: JobEntry,
  ): Error {
    if (error instanceof StreamError || error instanceof WorkerHttpError || error instanceof ConfigError)
      return error;
    if (userSignal?.aborted) return asError(userSignal.reason ?? error);
    const ended = entry.controller.signal.reason as Error | undefined;
    if (entry.controller.signal.aborted && ended?.name === "JobAbandonedError") return ended;
    if (signal.aborted) {
      return new RequestTimeoutError(
        `POST /execute for job ${JSON.stringify(jobId)} did not finish within ${timeoutMs} ms (request timeout); ` +
          (entry.answeredAt === undefined
            ? "no answer at all: a worker busy with another job may block every route until that job ends (the last real builds do)"
            : `received ${events.length} event(s): ${events.describe()}`),
      );
    }
    const cause = asError(error);
    if (events.length > 0) {
      return new IncompleteStreamError(
        `connection to ${this.baseUrl} broke during the stream of job ${JSON.stringify(jobId)} ` +
          `after ${events.length} event(s) (${causeText(cause)}): ${events.describe()}`,
        jobId,
        events.kept(),
        { cause },
      );
    }
    return new WorkerHttpError(`POST ${this.baseUrl}/execute failed: ${causeText(cause)}`, 0, "");
  }

  /** Asks `explainFailure` about connection failures only (a dead worker shows up as one). */
  private async explain(error: Error, requestedAt: number): Promise<Error> {
    const connection =
      error instanceof IncompleteStreamError || (error instanceof WorkerHttpError && error.status === 0);
    if (!connection || !this.options.explainFailure) return error;
    return (await this.options.explainFailure(error, requestedAt)) ?? error;
  }

  private async request(
    method: string,
    path: string,
    body: string | undefined,
    options: CallOptions,
    contentType: string | null = "application/json",
  ): Promise<RawResponse> {
    const timeoutMs = callMs(options.timeoutMs, "timeoutMs", this.options.requestTimeoutMs);
    const what = `${method} ${this.baseUrl}${path}`;
    // Owned like execute(): ended with the test that made it. A POST /execute can start a job: stopped before
    // its answer ended, the job may still run, and the worker is not handed on until it is known idle.
    const startsJob = method === "POST" && path === ROUTES.execute;
    const entry = this.jobs.begin(
      startsJob ? rawJobId(body) : `${method} ${path}`,
      startsJob ? "job" : "request",
    );
    const signal = combineSignals(undefined, options.signal, entry.controller.signal);
    const requestedAt = now();
    let answered = false;
    let cutShort = false;
    const call = (async () => {
      const headers: Record<string, string> = { ...lowerKeys(this.headers), ...lowerKeys(options.headers) };
      if (body !== undefined && contentType !== null) headers["content-type"] = contentType;
      const res = await fetchWorker(`${this.baseUrl}${path}`, { method, headers, body, signal }, what);
      const raw = await toRaw(res);
      answered = true;
      return raw;
    })();
    try {
      return await withDeadline(
        call,
        timeoutMs,
        () =>
          new RequestTimeoutError(
            `${what} got no answer within ${timeoutMs} ms (request timeout; a worker busy with a job may block this route)`,
          ),
      );
    } catch (error) {
      cutShort = signal.aborted || error instanceof RequestTimeoutError;
      const ended = entry.controller.signal.reason as Error | undefined;
      if (entry.controller.signal.aborted && ended?.name === "JobAbandonedError") throw ended;
      if (options.signal?.aborted || error instanceof RequestTimeoutError) throw error;
      if (error instanceof WorkerHttpError && error.status !== 0) throw error; // an answer, not a lost connection
      throw await this.explain(
        new WorkerHttpError(`${what} failed: ${causeText(asError(error))}`, 0, ""),
        requestedAt,
      );
    } finally {
      entry.controller.abort();
      call.catch(() => undefined);
      this.jobs.finish(entry, answered || !cutShort);
    }
  }
}

/** The `job_id` of a raw `/execute` body, for the ledger; a placeholder when the body names none. */
function rawJobId(body: string | undefined): string {
  try {
    const id = (JSON.parse(body ?? "") as { job_id?: unknown })?.job_id;
    if (typeof id === "string") return id;
  } catch {
    // not JSON: the worker will reject it, but it is still owned until it has answered
  }
  return "(raw POST /execute)";
}

/** The job a busy worker names in its 503 body (`running_job_id`), if any. */
function runningJobOf(res: RawResponse): string | undefined {
  if (res.status !== 503 || !res.json || typeof res.json !== "object") return undefined;
  const id = (res.json as { running_job_id?: unknown }).running_job_id;
  return typeof id === "string" ? id : undefined;
}

function accepted(what: string, res: RawResponse, route: CancelResult["route"]): CancelResult {
  if (res.status >= 300) throw httpError(what, res);
  return { status: res.status, route };
}

function causeText(error: Error): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const detail = cause?.code ?? cause?.message;
  return detail ? `${error.message} (${detail})` : error.message;
}

/** A duration option, checked and rounded up (see {@link checkDuration}). */
function optionMs(value: number, name: string): number {
  return checkDuration(value, name, (message) => new ConfigError(message));
}

/** A per-call duration option, or the client's default. */
function callMs(value: number | undefined, name: string, fallback: number): number {
  return value === undefined ? fallback : optionMs(value, `per-call option ${name}`);
}

/** Header names in lower case, so ours replace a user's `Content-Type` instead of joining it. */
function lowerKeys(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) out[k.toLowerCase()] = v;
  return out;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
