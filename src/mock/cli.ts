#!/usr/bin/env node
/**
 * worker-orcd-mock: a no-GPU stand-in for worker-orcd that speaks the full
 * protocol (docs/protocol.md), with a compat switch, a tunable pace and fault
 * injection. See the README's "Mock worker" section.
 */
import { statSync } from "node:fs";
import { request as httpRequest, STATUS_CODES } from "node:http";
import { TestModel } from "../fixtures/test-model";
import { packageInfo } from "../util/package-info";
import { sleep } from "../util/timers";
import { type Engine, fixedEngine } from "./engine";
import { FAULT_MODES, faultArg } from "./faults";
import { log, plain, setLogShape } from "./log";
import { HelpRequested, type MockOptions, parseOptions, USAGE, UsageError } from "./options";
import { MockServer } from "./server";

function fatal(
  code: string,
  message: string,
  o: Partial<MockOptions>,
  fix: string,
  extra: object = {},
  /** What build 5d6c9a4a prints instead (anyhow's `Error: ...` on stderr), for compat mode. */
  buildLine?: string,
): never {
  if (o.compat && buildLine) plain(`Error: ${buildLine}`);
  else log("ERROR", message, { code, gpu_device: o.gpuDevice, model: o.model, fix, ...extra });
  process.exit(1);
}

/** Size of the model file, or the reference model's for the word `mock`; exits with MODEL_LOAD_FAILED when it is unusable. */
function modelBytes(o: MockOptions): number {
  if (o.model === "mock") return TestModel.qwen2_5_0_5b().sizeBytes;
  try {
    const st = statSync(o.model);
    if (!st.isFile()) throw new Error("not a regular file");
    return st.size;
  } catch (error) {
    return fatal(
      "MODEL_LOAD_FAILED",
      `cannot load model ${o.model}: ${(error as Error).message}`,
      o,
      "pass --model an existing .gguf file, or the word 'mock'",
      { vram_needed: 0, vram_available: 0 },
      `Model load failed: Failed to parse GGUF metadata: IO error: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "No such file or directory (os error 2)" : (error as Error).message}`,
    );
  }
}

/**
 * How long the readiness callback may go unanswered. Long: the real build's
 * HTTP client (reqwest's default) sets none, and a Jest process compiling a
 * test file on a cold ts-jest cache answers late; the harness's own start-up
 * deadline decides when a start has failed.
 */
const CALLBACK_TIMEOUT_MS = 120_000;

async function postCallback(o: MockOptions, vram: number): Promise<void> {
  if (!o.callbackUrl || o.faults["no-callback"]) return;
  // Build 5d6c9a4a (bin/worker-orcd/src/main.rs) skips the callback for its test harness's URL.
  if (o.compat && o.callbackUrl.includes("localhost:9999")) {
    log("INFO", "Test mode: skipping pool manager callback", { callback_url: o.callbackUrl });
    return;
  }
  const body = { worker_id: o.workerId, vram_bytes: vram, uri: `http://localhost:${o.port}` };
  let status = 0;
  try {
    status = await postJson(o.callbackUrl, body, CALLBACK_TIMEOUT_MS);
  } catch (error) {
    fatal(
      "INTERNAL",
      `readiness callback to ${o.callbackUrl} failed: ${(error as Error).message}`,
      o,
      "check --callback-url",
      {},
      `error sending request for url (${o.callbackUrl}): error trying to connect: ${(error as Error).message}`,
    );
  }
  if (status < 200 || status >= 300) {
    fatal(
      "INTERNAL",
      `readiness callback to ${o.callbackUrl} answered HTTP ${status}`,
      o,
      "the callback receiver must answer 2xx",
      {},
      `Pool manager callback failed: ${status} ${STATUS_CODES[status] ?? ""}`.trimEnd(),
    );
  }
}

/**
 * POSTs JSON with node:http and resolves with the status. Not `fetch`: its
 * first use loads undici, about 100 ms of CPU in a process whose whole start
 * is about that long.
 */
function postJson(url: string, body: unknown, timeoutMs: number): Promise<number> {
  const data = JSON.stringify(body);
  // node:https (and TLS) only for an https URL: loading it costs start-up time.
  const request: typeof httpRequest = url.startsWith("https:") ? require("node:https").request : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "POST",
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(data) },
        timeout: timeoutMs,
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(data);
  });
}

function listen(server: MockServer, o: MockOptions): Promise<void> {
  return new Promise((resolve) => {
    server.server.once("error", (error: NodeJS.ErrnoException) => {
      const inUse = error.code === "EADDRINUSE";
      const addr = `${o.bind}:${o.port}`;
      // The build's HttpServer::run fails with ServerError::BindFailed ("Failed to bind to {addr}: {source}").
      const why = inUse
        ? "address already in use (EADDRINUSE)"
        : `${error.code ?? ""} ${error.message}`.trim();
      fatal(
        "INTERNAL",
        o.compat ? `Failed to bind to ${addr}: ${why}` : `failed to bind ${addr}: ${why}`,
        o,
        inUse ? "choose another --port, or stop the process that holds it" : "check --port and --bind",
      );
    });
    server.server.listen(o.port, o.bind, () => resolve());
  });
}

function startStubbornChild(): void {
  const script = "process.on('SIGTERM',()=>{});process.on('SIGINT',()=>{});setInterval(()=>{},1000);";
  // Loaded here, not at start: only this fault needs it, and every module loaded at start delays readiness.
  const { spawn } = require("node:child_process") as typeof import("node:child_process");
  spawn(process.execPath, ["-e", script, "worker-orcd-mock-child"], { stdio: "ignore" });
}

/** Fault orphan-child: a child in a session of its own (out of the worker's group), which the worker never ends. */
function startOrphanChild(): void {
  const { spawn } = require("node:child_process") as typeof import("node:child_process");
  const child = spawn(process.execPath, ["-e", "setInterval(()=>{},1000);", "worker-orcd-mock-orphan"], {
    stdio: "ignore",
    detached: true,
  });
  child.unref();
}

async function main(): Promise<void> {
  if (process.argv.slice(2).includes("--version")) {
    process.stdout.write(`worker-orcd-mock ${packageInfo().version}\n`);
    process.exit(0);
  }
  let o: MockOptions;
  try {
    o = parseOptions(process.argv.slice(2), process.env);
  } catch (error) {
    if (error instanceof HelpRequested) {
      const faults = Object.entries(FAULT_MODES).map(([mode, what]) => `  ${mode.padEnd(18)} ${what}`);
      process.stdout.write(
        `${USAGE}\nfault modes (--fault or WORKER_ORCD_MOCK_FAULT, comma-separated, some with :n):\n${faults.join("\n")}\n`,
      );
      process.exit(0);
    }
    if (!(error instanceof UsageError)) throw error;
    log("ERROR", `bad command line: ${error.message}`, {
      code: "INVALID_ARGUMENT",
      fix: "see the usage below",
    });
    process.stderr.write(`${USAGE}\n`);
    process.exit(2);
  }
  const { faults, compat } = o;
  if (compat) setLogShape("tracing");
  log("INFO", "Worker starting", {
    worker_id: o.workerId,
    model: o.model,
    gpu_device: o.gpuDevice,
    port: o.port,
    compat,
  });
  if (faults["exit-cuda"]) {
    plain(`CUDA error at cuda_init.cpp:42: no CUDA-capable device is detected (device ${o.gpuDevice})`);
    fatal(
      "CUDA_ERROR",
      "CUDA error: no CUDA-capable device is detected",
      o,
      "check the GPU and driver (nvidia-smi)",
      {
        vram_needed: 0,
        vram_available: 0,
      },
    );
  }
  const fixed = fixedEngine(o, modelBytes(o)); // checks the file, compat mode too
  // Before the llama engine has read the model, /health knows only its file name.
  const server = new MockServer(
    o,
    o.engine === "llama"
      ? {
          ...fixed.facts,
          quant_kind: "unknown",
          tokenizer_kind: "unknown",
          vocab_size: 0,
          context_length: null,
        }
      : fixed.facts,
  );

  let stopping = false;
  /** `why`: the signal, or the route, that asked the worker to stop (logged as such). */
  const graceful = async (why: { signal: string } | { route: string }) => {
    if (stopping) return;
    stopping = true;
    log("INFO", "shutting down", why);
    setTimeout(() => process.exit(0), 5000).unref();
    await server.drain();
    server.server.close();
    server.server.closeAllConnections();
    process.exit(0);
  };
  process.on("SIGINT", () => void graceful({ signal: "SIGINT" }));
  server.onShutdownRequest = () => void graceful({ route: "POST /shutdown" });
  if (faults["ignore-sigterm"]) {
    process.on("SIGTERM", () => log("WARN", "ignoring SIGTERM (mock fault ignore-sigterm)"));
    startStubbornChild();
  } else if (!compat) {
    process.on("SIGTERM", () => void graceful({ signal: "SIGTERM" }));
  }

  if (faults["orphan-child"]) startOrphanChild();
  if (faults["never-ready"]) {
    log("INFO", "Loading model to VRAM... (mock fault never-ready: this never finishes)");
    setInterval(() => undefined, 60_000);
    return;
  }
  const loadMs = faults["slow-ready"] ? faultArg(faults, "slow-ready", 3000) : o.loadTimeMs;
  if (compat) {
    log("INFO", "Loading model to VRAM...", { model: o.model });
    plain("🦀 [Rust] Loading model with Rust weight loading + Q4_K dequantization");
    const engine = await load(o, fixed, loadMs);
    server.ready(engine);
    log("INFO", "Model loaded to VRAM", { vram_bytes: engine.facts.vram_bytes });
    await postCallback(o, engine.facts.vram_bytes);
    log("INFO", "Worker ready, starting HTTP server", { port: o.port });
    await listen(server, o);
    return;
  }
  await listen(server, o);
  const engine = await load(o, fixed, loadMs, (percent) =>
    log("INFO", "model load progress", { event: "model_load_progress", percent }),
  );
  server.ready(engine);
  log("INFO", "Worker ready", {
    port: o.port,
    vram_bytes: engine.facts.vram_bytes,
    ...(engine.facts.engine ? { engine: engine.facts.engine, load_ms: engine.facts.load_ms } : {}),
  });
  await postCallback(o, engine.facts.vram_bytes);
}

/**
 * The engine, loaded: the mock's own after `loadMs` of simulated loading, or
 * llama.cpp's after it has read the model (exits with MODEL_LOAD_FAILED when
 * node-llama-cpp is missing or the model does not load).
 */
async function load(
  o: MockOptions,
  fixed: Engine,
  loadMs: number,
  progress?: (percent: number) => void,
): Promise<Engine> {
  if (o.engine === "fixed") {
    for (const percent of [0, 25, 50, 75, 100]) {
      if (percent > 0 && loadMs > 0) await sleep(loadMs / 4);
      progress?.(percent);
    }
    return fixed;
  }
  progress?.(0);
  try {
    // Loaded only for this engine: the module and its native library cost start-up time.
    const { llamaEngine } = require("./llama/engine") as typeof import("./llama/engine");
    const engine = await llamaEngine({
      model: o.model,
      threads: o.threads,
      gpu: o.llamaGpu,
      gpuDevice: o.gpuDevice,
    });
    progress?.(100);
    return engine;
  } catch (error) {
    // By name: importing the error's class here would load the engine's module on every start.
    const missing = (error as Error).name === "LlamaUnavailableError";
    return fatal(
      "MODEL_LOAD_FAILED",
      `cannot load model ${o.model} with the llama engine: ${(error as Error).message}`,
      o,
      missing
        ? "install node-llama-cpp (npm i -D node-llama-cpp@3)"
        : "pass --model a llama.cpp-readable .gguf file",
      { vram_needed: 0, vram_available: 0 },
      `Model load failed: ${(error as Error).message}`,
    );
  }
}

main().catch((error) => {
  log("ERROR", `mock worker failed: ${(error as Error).stack ?? error}`, { code: "INTERNAL" });
  process.exit(1);
});
