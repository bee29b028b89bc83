import { sourceOf } from "../client/received";
import type { CallOptions, RawCallOptions, RawRequestOptions, WorkerClient } from "../client/worker-client";
import type { ReceivedEvent } from "../protocol/events";
import type { ExecuteRequest } from "../protocol/request";
import type { EnvironmentHandle } from "../run/handle";
import { now } from "../util/clock";
import type { LogLine } from "../worker/log-buffer";

/**
 * The global `worker` of a test file: the client bound to the file's worker
 * plus facts about the process. The worker starts before the first test;
 * reading it at file top level throws a clear error.
 */
export interface WorkerGlobal {
  /** `"mock"` or `"real"`, and why. */
  readonly kind: "mock" | "real" | "attached";
  readonly why: string;
  readonly baseUrl: string;
  readonly port: number;
  readonly workerId: string;
  readonly pid: number;
  readonly device: number;
  /** Readiness callback body, once posted. */
  readonly callback: unknown;
  /** Milliseconds from spawn to ready. */
  readonly startupMs: number;
  /** Captured output lines so far (stdout and stderr). */
  readonly logs: LogLine[];
  /** The last `n` output lines as text. */
  logTail(n?: number): string[];
  /** The underlying client. */
  readonly client: WorkerClient;
  execute: WorkerClient["execute"];
  stream: WorkerClient["stream"];
  executeRaw: WorkerClient["executeRaw"];
  health: WorkerClient["health"];
  cancel: WorkerClient["cancel"];
  shutdown: WorkerClient["shutdown"];
  metrics: WorkerClient["metrics"];
  raw: WorkerClient["raw"];
  healthRaw: WorkerClient["healthRaw"];
}

/** The transcript name a call records under: its `record` option, or its job id when every call is recorded. */
function transcriptName(
  handle: EnvironmentHandle,
  request: ExecuteRequest,
  options?: CallOptions,
): string | undefined {
  return options?.record ?? (handle.recordAll ? String(request?.job_id) : undefined);
}

/** Passes a stream through and records it once it has ended (a stream left early is not recorded). */
async function* recordStream(
  handle: EnvironmentHandle,
  name: string,
  request: ExecuteRequest,
  inner: AsyncGenerator<ReceivedEvent, void, undefined>,
): AsyncGenerator<ReceivedEvent, void, undefined> {
  const sentAt = now();
  const events: ReceivedEvent[] = [];
  for await (const event of inner) {
    events.push(event);
    yield event;
  }
  handle.transcripts?.record(name, handle.jobs.currentOwner(), request, events, sentAt);
}

/** Builds the global `worker` over an environment handle, with a client of the calling realm. */
export function createWorkerGlobal(handle: EnvironmentHandle): WorkerGlobal {
  let client: WorkerClient | undefined;
  let clientFor: unknown;
  const proc = () => handle.current();
  const getClient = () => {
    const w = proc();
    if (clientFor !== w) {
      // Loaded on first use: a test file that never calls the worker does not load the client into its realm.
      const { WorkerClient: Client } =
        require("../client/worker-client") as typeof import("../client/worker-client");
      client = new Client(w.baseUrl, {
        ...handle.clientOptions,
        headers: w.requestHeaders,
        logTail: (n) => w.logs.tail(n),
        explainFailure: (error, requestedAt) => w.explainFailure(error, requestedAt),
        jobs: handle.jobs,
      });
      clientFor = w;
    }
    return client!;
  };
  return {
    kind: handle.kind,
    why: handle.why,
    device: handle.device,
    get baseUrl() {
      return proc().baseUrl;
    },
    get port() {
      return proc().port;
    },
    get workerId() {
      return proc().workerId;
    },
    get pid() {
      return proc().pid;
    },
    get callback() {
      return proc().callbackBody;
    },
    get startupMs() {
      return proc().startupMs;
    },
    get logs() {
      return proc().logs.all();
    },
    logTail: (n = 20) => proc().logs.tail(n),
    get client() {
      return getClient();
    },
    execute: (request: ExecuteRequest, options?: CallOptions) => {
      const name = transcriptName(handle, request, options);
      if (name === undefined) return getClient().execute(request, options);
      const calledAt = now();
      const recorded = getClient()
        .execute(request, options)
        .then((events) => {
          const sentAt = (sourceOf(events)?.requestedAt as number | undefined) ?? calledAt;
          handle.transcripts?.record(name, handle.jobs.currentOwner(), request, events, sentAt);
          return events;
        });
      recorded.catch(() => undefined); // like the call itself: an abandoned call's rejection is not unhandled
      return recorded;
    },
    stream: (request: ExecuteRequest, options?: CallOptions) => {
      const name = transcriptName(handle, request, options);
      const inner = getClient().stream(request, options);
      return name === undefined ? inner : recordStream(handle, name, request, inner);
    },
    executeRaw: (body: unknown, options?: RawCallOptions) => getClient().executeRaw(body, options),
    health: (options?: CallOptions) => getClient().health(options),
    cancel: (jobId: string, options?: CallOptions) => getClient().cancel(jobId, options),
    shutdown: (options?: CallOptions) => getClient().shutdown(options),
    metrics: (options?: CallOptions) => getClient().metrics(options),
    raw: (method: string, path: string, options?: RawRequestOptions) =>
      getClient().raw(method, path, options),
    healthRaw: (options?: CallOptions) => getClient().healthRaw(options),
  };
}
