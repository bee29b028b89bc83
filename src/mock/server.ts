import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { type ExecuteRequest, rawSeedOf, stringifyExact } from "../protocol/request";
import { ROUTES, SSE_CONTENT_TYPE } from "../protocol/routes";
import { validateExecuteRequest } from "../protocol/validation";
import { timerDelay } from "../util/timers";
import type { Engine, EngineFacts } from "./engine";
import { Job, type Outcome } from "./job";
import { log } from "./log";
import type { MockOptions } from "./options";
import { loadTranscripts, type Recorded, ReplayIndex } from "./replay";
import { MOCK_SCRIPT_HEADER, type MockScript, parseScript } from "./script";
import { deserializeProblem } from "./serde-like";
import { SseWriter } from "./sse-writer";

/** Answer of a busy spec-mode worker (503): documented in the README. */
export const BUSY_CODE = "WORKER_BUSY";

/** State and routes of the mock worker's HTTP server. */
/** The methods build 5d6c9a4a routes on each path, as axum's 405 lists them in `allow`. */
const BUILD_METHODS: Record<string, string> = { [ROUTES.health]: "GET,HEAD", [ROUTES.execute]: "POST" };

export class MockServer {
  readonly server: Server;
  /** The engine, once its model is loaded (the mock's own: after the simulated load time). */
  private engine?: Engine;
  private draining = false;
  private job?: Job;
  private queue: Promise<void> = Promise.resolve();
  private readonly started = Date.now();
  private readonly outcomes: Record<Outcome, number> = {
    success: 0,
    cancelled: 0,
    error: 0,
    disconnected: 0,
  };
  private tokensTotal = 0;
  private readonly durations: number[] = [];
  private idleWaiters: (() => void)[] = [];
  /** Replay mode: the recorded transcripts, by request. */
  private readonly replay?: ReplayIndex;

  constructor(
    private readonly o: MockOptions,
    /** What `/health` reports of the model before it is loaded (its VRAM is 0 until then). */
    private readonly beforeLoad: EngineFacts,
  ) {
    this.server = createServer((req, res) => {
      this.route(req, res).catch((error) => {
        log("ERROR", "request handler failed", { error: String(error) });
        if (!res.headersSent) send(res, 500, { code: "INTERNAL", message: String(error) });
        else res.destroy();
      });
    });
    this.server.keepAliveTimeout = 1000;
    if (o.replay) {
      const loaded = loadTranscripts(o.replay);
      for (const bad of loaded.skipped)
        log("WARN", `replay leaves out ${bad.file}: ${bad.problem}`, { file: bad.file });
      this.replay = new ReplayIndex(o.replay, loaded.found, loaded.skipped);
      log("INFO", "replay mode", {
        dir: o.replay,
        transcripts: this.replay.recorded.length,
        left_out: loaded.skipped.length,
        speed: o.replaySpeed,
      });
    }
  }

  /** True once the model is loaded. */
  get loaded(): boolean {
    return this.engine !== undefined;
  }

  /** Bytes the loaded model takes (0 before). */
  get vram(): number {
    return this.engine?.facts.vram_bytes ?? 0;
  }

  /** The model is loaded: jobs are taken from now on. */
  ready(engine: Engine): void {
    this.engine = engine;
  }

  /** Called once `POST /shutdown` has drained the running job (the command line ends the process). */
  onShutdownRequest?: () => void;

  /** Stops taking jobs; resolves once the running job (if any) has ended. */
  drain(): Promise<void> {
    this.draining = true;
    return this.job ? new Promise((r) => this.idleWaiters.push(r)) : Promise.resolve();
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = (req.url ?? "/").split("?")[0];
    const { compat, faults } = this.o;
    if (req.method === "GET" && url === ROUTES.health) return this.health(res);
    if (req.method === "POST" && url === ROUTES.execute) return this.execute(req, res);
    const cancelRoutes = !compat && !faults["no-cancel-route"];
    if (cancelRoutes && req.method === "POST" && url === ROUTES.cancel && !faults["cancel-path-only"]) {
      const body = parseJson(await readBody(req));
      const jobId = body && typeof body === "object" ? (body as { job_id?: unknown }).job_id : undefined;
      if (typeof jobId !== "string" || jobId === "") {
        return send(res, 400, {
          errors: [{ field: "job_id", constraint: "non_empty", message: "job_id is required" }],
        });
      }
      return this.cancel(jobId, res);
    }
    const legacy = /^\/cancel\/(.+)$/.exec(url);
    if (cancelRoutes && req.method === "POST" && legacy && faults["cancel-path-only"]) {
      await readBody(req);
      return this.cancel(decodeURIComponent(legacy[1]), res);
    }
    if (!compat && req.method === "POST" && url === ROUTES.shutdown) {
      await readBody(req);
      send(res, 202, { status: "shutting_down" });
      void this.drain().then(() => this.onShutdownRequest?.());
      return;
    }
    if (!compat && req.method === "GET" && url === ROUTES.metrics) return this.metrics(res);
    await readBody(req);
    // The build serves every route on one thread that a running job blocks: even its 404 waits.
    if (compat) await this.queue;
    // axum's method router: a known path with another method is 405 with the methods it has (HEAD with GET).
    const allowed = compat ? BUILD_METHODS[url] : undefined;
    if (allowed && req.method === "HEAD" && allowed.includes("HEAD")) return this.health(res);
    if (allowed) {
      res.writeHead(405, { allow: allowed, "content-length": "0" }).end();
      return;
    }
    res.writeHead(404).end();
  }

  private async health(res: ServerResponse): Promise<void> {
    if (this.o.compat) {
      await this.queue;
      return send(res, 200, { status: "healthy", vram_bytes: this.vram });
    }
    const { vram_bytes, engine, load_ms, ...facts } = this.engine?.facts ?? {
      ...this.beforeLoad,
      vram_bytes: 0,
    };
    send(res, 200, {
      status: "healthy",
      ...facts,
      resident: this.loaded,
      vram_bytes_used: vram_bytes,
      uptime_seconds: Math.floor((Date.now() - this.started) / 1000),
      sm: 86,
      cuda_runtime_version: "mock",
      ...(engine ? { engine, load_ms } : {}),
    });
  }

  private async execute(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const { compat } = this.o;
    if (!this.loaded)
      return send(res, 503, {
        code: "MODEL_LOADING",
        message: "model is still loading; retry",
        retriable: true,
      });
    if (this.draining)
      return send(res, 503, { code: "SHUTTING_DOWN", message: "worker is shutting down", retriable: true });
    const type = req.headers["content-type"] ?? "";
    if (compat && !type.includes("application/json")) {
      return sendText(res, 415, "Expected request with `Content-Type: application/json`");
    }
    const body = parseJson(raw);
    if (body === undefined) {
      if (compat)
        return sendText(res, 400, `Failed to parse the request body as JSON: ${jsonSyntaxError(raw)}`);
      return send(res, 400, {
        errors: [{ field: "body", constraint: "json", message: "request body is not valid JSON" }],
      });
    }
    exactSeed(body, raw);
    if (compat) {
      // The build's Json extractor (serde) rejects missing and mistyped fields before validation: 422, plain text.
      const problem = deserializeProblem(body, raw);
      if (problem) return sendText(res, 422, problem);
    }
    const errors = validateExecuteRequest(
      body,
      { promptMaxChars: this.o.maxTokensIn, maxTokensMax: this.o.maxTokensOut },
      { wire: true, build: compat },
    );
    // Both modes answer every failing field (the build calls validate_all()).
    if (errors.length > 0) return send(res, 400, { errors });
    const request = body as ExecuteRequest;
    let script: MockScript | undefined = this.o.script;
    const header = req.headers[MOCK_SCRIPT_HEADER];
    if (typeof header === "string") {
      try {
        script = parseScript(header, `header ${MOCK_SCRIPT_HEADER}`);
      } catch (error) {
        const message = (error as Error).message;
        return send(res, 400, {
          errors: [{ field: MOCK_SCRIPT_HEADER, constraint: "mock_script", message }],
        });
      }
    }
    let replayed: Recorded | undefined;
    if (this.replay) {
      replayed = this.replay.find(request);
      if (!replayed)
        return send(res, 404, { code: "NO_TRANSCRIPT", message: this.replay.explainMiss(request) });
    }
    if (compat) {
      const previous = this.queue;
      let release!: () => void;
      this.queue = new Promise((r) => {
        release = r;
      });
      await previous;
      try {
        await this.runJob(request, res, script, replayed);
      } finally {
        release();
      }
      return;
    }
    if (this.job) {
      res.setHeader("retry-after", "1");
      return send(res, 503, {
        code: BUSY_CODE,
        message: `worker is running job ${JSON.stringify(this.job.id)}; one job at a time, retry when it ends`,
        retriable: true,
        running_job_id: this.job.id,
      });
    }
    await this.runJob(request, res, script, replayed);
  }

  private async runJob(
    request: ExecuteRequest,
    res: ServerResponse,
    script?: MockScript,
    replayed?: Recorded,
  ): Promise<void> {
    const { faults, compat } = this.o;
    const job = new Job(request.job_id, request, this.o, this.engine!, script, replayed?.transcript);
    this.job = job;
    const began = performance.now();
    const timeout = setTimeout(() => job.abort("timeout"), timerDelay(this.o.inferenceTimeoutSec * 1000));
    res.on("close", () => {
      if (!res.writableFinished) job.abort("disconnect");
    });
    res.writeHead(200, {
      "content-type": SSE_CONTENT_TYPE,
      "cache-control": "no-cache",
      connection: "keep-alive",
    });
    res.flushHeaders();
    const out = new SseWriter(res, {
      dataOnly: compat || Boolean(faults["no-event-lines"]),
      crlf: Boolean(faults.crlf),
      splitData: Boolean(faults["split-data"]),
      tinyChunks: Boolean(faults["tiny-chunks"]),
      buffered: compat || Boolean(faults.buffered),
    });
    log("INFO", "job started", { job_id: job.id, max_tokens: request.max_tokens });
    let outcome: Outcome = "error";
    try {
      outcome = await job.run(out);
      await out.end();
    } finally {
      clearTimeout(timeout);
      this.outcomes[outcome]++;
      this.tokensTotal += job.tokens;
      this.durations.push(performance.now() - began);
      this.job = undefined;
      log("INFO", "job ended", { job_id: job.id, outcome, tokens_out: job.tokens });
      for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }

  private cancel(jobId: string, res: ServerResponse): void {
    const running = this.job?.id === jobId;
    if (running) this.job!.abort("cancel");
    send(res, 202, { job_id: jobId, status: running ? "cancelling" : "not_running" });
  }

  private metrics(res: ServerResponse): void {
    const bounds = [10, 50, 100, 500, 1000, 5000, 30000];
    const lines = [
      "# TYPE worker_vram_bytes gauge",
      `worker_vram_bytes ${this.loaded ? this.vram : 0}`,
      "# TYPE worker_requests_total counter",
      ...Object.entries(this.outcomes).map(([k, v]) => `worker_requests_total{outcome="${k}"} ${v}`),
      "# TYPE worker_tokens_generated_total counter",
      `worker_tokens_generated_total ${this.tokensTotal}`,
      "# TYPE worker_inference_duration_ms histogram",
      ...bounds.map(
        (b) =>
          `worker_inference_duration_ms_bucket{le="${b}"} ${this.durations.filter((d) => d <= b).length}`,
      ),
      `worker_inference_duration_ms_bucket{le="+Inf"} ${this.durations.length}`,
      `worker_inference_duration_ms_sum ${this.durations.reduce((a, b) => a + b, 0).toFixed(3)}`,
      `worker_inference_duration_ms_count ${this.durations.length}`,
      "# TYPE worker_uptime_seconds gauge",
      `worker_uptime_seconds ${Math.floor((Date.now() - this.started) / 1000)}`,
    ];
    res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(`${lines.join("\n")}\n`);
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/**
 * Replaces a parsed numeric seed by the exact integer written in the body
 * (JSON.parse rounds above 2^53), so 18446744073709551616 is rejected and
 * 18446744073709551615 kept exactly. A string seed stays a string, which
 * validation rejects as a real worker's u64 field would.
 */
function exactSeed(body: unknown, raw: string): void {
  if (!body || typeof body !== "object" || typeof (body as { seed?: unknown }).seed !== "number") return;
  const digits = rawSeedOf(raw);
  if (digits && /^\d+$/.test(digits)) (body as { seed: bigint }).seed = BigInt(digits);
}

/** serde_json's words for a body that is not JSON, roughly: where it stopped. */
function jsonSyntaxError(text: string): string {
  try {
    JSON.parse(text);
    return "expected value at line 1 column 1";
  } catch (error) {
    const at = /position (\d+)/.exec((error as Error).message)?.[1];
    return text.trim() === ""
      ? "EOF while parsing a value at line 1 column 0"
      : `expected value at line 1 column ${Number(at ?? 0) + 1}`;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(stringifyExact(body));
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8" }).end(text);
}
