import { spawnSync } from "node:child_process";
import { request } from "node:http";
import { afterAll, expect, it } from "@jest/globals";
import { MOCK_ENTRY } from "../../src/worker/command";
import type { WorkerProcess } from "../../src/worker/worker-process";
import { startMock, stopAllMocks } from "../helpers/mock";
import { describeRealBuild, REAL_BIN, startReal, stopRealWorkers, TINY_GGUF } from "../helpers/real-build";
import { jobStarted } from "../helpers/wait";

// Compat mode is the real build. Each behaviour is observed by the same probe against the
// real binary and against `--compat`; the README's side-by-side table lists them. The only differences are the
// ones below, each decided and documented.

afterAll(async () => {
  await stopAllMocks();
  await stopRealWorkers();
});

/** A raw HTTP exchange: status, content type, allow header and body (no client logic in between). */
function exchange(
  w: WorkerProcess,
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = { "content-type": "application/json" },
): Promise<{ status: number; type: string; allow?: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: w.port, method, path, headers }, (res) => {
      let text = "";
      res.on("data", (d) => (text += d));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          type: String(res.headers["content-type"] ?? ""),
          ...(res.headers.allow ? { allow: String(res.headers.allow) } : {}),
          body: text,
        }),
      );
    });
    req.on("error", reject);
    req.end(body);
  });
}

const shape = (text: string) => {
  try {
    const v = JSON.parse(text);
    return Object.keys(v).sort();
  } catch {
    return "not JSON";
  }
};

/** Every behaviour of the table, observed the same way on either worker. */
const BEHAVIOURS: [string, (w: WorkerProcess) => Promise<unknown>][] = [
  [
    "GET /health: status, content type, body fields",
    async (w) => {
      const r = await exchange(w, "GET", "/health");
      return [r.status, r.type, shape(r.body)];
    },
  ],
  [
    "POST /health: 405 and its allow header",
    async (w) => {
      const r = await exchange(w, "POST", "/health", "");
      return [r.status, r.allow];
    },
  ],
  ["GET /execute: 405", async (w) => (await exchange(w, "GET", "/execute")).status],
  [
    "POST /execute without a content type: 415",
    async (w) =>
      (await exchange(w, "POST", "/execute", '{"job_id":"a","prompt":"hi","max_tokens":1}', {})).status,
  ],
  [
    "POST /execute with bad JSON: 400 text/plain",
    async (w) => {
      const r = await exchange(w, "POST", "/execute", "{nope");
      return [r.status, r.type.split(";")[0]];
    },
  ],
  [
    "POST /execute missing job_id: 422 text/plain",
    async (w) => {
      const r = await exchange(w, "POST", "/execute", '{"prompt":"hi","max_tokens":1}');
      return [r.status, r.type.split(";")[0]];
    },
  ],
  [
    "POST /execute invalid: 400 with every field named",
    async (w) => {
      const r = await exchange(
        w,
        "POST",
        "/execute",
        '{"job_id":"","prompt":"","max_tokens":0,"temperature":9}',
      );
      return [
        r.status,
        r.type,
        JSON.parse(r.body).errors.map((e: { field: string; constraint: string }) => [e.field, e.constraint]),
      ];
    },
  ],
  [
    "/cancel, /cancel/{id}, /shutdown, /metrics: 404 with an empty body",
    async (w) =>
      Promise.all([
        exchange(w, "POST", "/cancel", '{"job_id":"x"}'),
        exchange(w, "POST", "/cancel/x", ""),
        exchange(w, "POST", "/shutdown", ""),
        exchange(w, "GET", "/metrics"),
      ]).then((rs) => rs.map((r) => [r.status, r.body])),
  ],
  [
    "a stream: content type, data-only frames, model, started_at, stop reason",
    async (w) => {
      const r = await exchange(w, "POST", "/execute", '{"job_id":"s","prompt":"hi","max_tokens":3}');
      const frames = r.body.split("\n\n").filter(Boolean);
      const events = frames.map((f) => JSON.parse(f.replace(/^data: /, "")));
      return [
        r.type,
        frames.every((f) => f.startsWith("data: ") && !f.includes("\nevent:")),
        events.map((e) => e.type),
        events[0].model,
        events[0].started_at,
        events.at(-1).stop_reason,
      ];
    },
  ],
  [
    "tokens are byte-level BPE pieces: a leading space is Ġ",
    async (w) => {
      const events = await w.client.execute({ job_id: "t", prompt: "hi", max_tokens: 6 });
      const tokens = events.filter((e) => e.type === "token").map((e) => (e as { t: string }).t);
      return (
        tokens.slice(1).every((t) => !t.startsWith(" ") || t === " ") && tokens.some((t) => t.startsWith("Ġ"))
      );
    },
  ],
  [
    "callback body fields and /health's vram_bytes",
    async (w) => [
      shape(JSON.stringify(w.callbackBody)),
      (w.callbackBody as { vram_bytes: number }).vram_bytes,
    ],
  ],
  [
    "log lines: tracing JSON, message under fields",
    async (w) => {
      const json = w.logs.all().filter((l) => l.json);
      return [
        json.length > 0,
        json.every((l) => Object.keys(l.json!).sort().join() === "fields,level,timestamp"),
      ];
    },
  ],
  [
    "a running job blocks /health",
    async (w) => {
      const job = w.client.execute({ job_id: "b", prompt: "hi", max_tokens: 8 });
      await jobStarted(w, "b");
      const blocked = await w.client.health({ timeoutMs: 200 }).then(
        () => false,
        () => true,
      );
      await job;
      return blocked;
    },
  ],
];

async function observe(w: WorkerProcess): Promise<Record<string, unknown>> {
  const seen: Record<string, unknown> = {};
  for (const [name, probe] of BEHAVIOURS) seen[name] = await probe(w);
  return seen;
}

describeRealBuild("compat mode is build 5d6c9a4a, side by side with the real binary", () => {
  it("every behaviour of the table is the same on both", async () => {
    // Both paced so a job lasts long enough to be seen blocking (the stand-in at 40 ms a token, compat at 40 ms).
    const real = await startReal({ env: { FAKE_GPU_TOKEN_DELAY_MS: "40" } });
    const compat = await startMock({ extraArgs: ["--compat", "--token-interval-ms", "40"] });
    const [a, b] = [await observe(real), await observe(compat)];
    expect(b).toEqual(a);
  }, 60_000);

  it("signals and exit codes are the same: SIGTERM kills at once, SIGINT exits 0, a missing model exits 1, a missing flag 2", async () => {
    const ends = async (w: WorkerProcess, sig: NodeJS.Signals) => {
      process.kill(w.pid, sig);
      return w.whenExited();
    };
    for (const sig of ["SIGTERM", "SIGINT"] as const) {
      const real = await ends(await startReal(), sig);
      const compat = await ends(await startMock({ extraArgs: ["--compat"] }), sig);
      expect(compat).toEqual(real);
    }
    const run = (file: string, args: string[]) =>
      spawnSync(file, args, { encoding: "utf8", timeout: 10_000 }).status;
    const missingModel = [
      "--worker-id",
      "w",
      "--model",
      "/nonexistent.gguf",
      "--gpu-device",
      "0",
      "--port",
      "1",
      "--callback-url",
      "http://localhost:9999/x",
    ];
    expect(run(process.execPath, [MOCK_ENTRY, "--compat", ...missingModel])).toBe(
      run(REAL_BIN, missingModel),
    );
    const noPort = [
      "--worker-id",
      "w",
      "--model",
      TINY_GGUF,
      "--gpu-device",
      "0",
      "--callback-url",
      "http://localhost:9999/x",
    ];
    expect(run(process.execPath, [MOCK_ENTRY, "--compat", ...noPort])).toBe(run(REAL_BIN, noPort));
  }, 60_000);

  it("the one decided difference: the real build listens on every interface, compat mode on 127.0.0.1", async () => {
    const listening = (pid: number) => {
      const out = spawnSync("ss", ["-ltnp"], { encoding: "utf8" }).stdout ?? "";
      return out.split("\n").find((l) => l.includes(`pid=${pid},`)) ?? "";
    };
    const real = await startReal();
    const compat = await startMock({ extraArgs: ["--compat"] });
    if (!spawnSync("ss", ["-V"]).stdout) {
      process.stderr.write(
        "side-by-side: ss not found; the bind address is checked by the README's table only\n",
      );
      return;
    }
    expect(listening(real.pid)).toMatch(new RegExp(`(0\\.0\\.0\\.0|\\*|\\[::\\]):${real.port}\\b`));
    expect(listening(compat.pid)).toMatch(new RegExp(`127\\.0\\.0\\.1:${compat.port}\\b`));
  });
});
