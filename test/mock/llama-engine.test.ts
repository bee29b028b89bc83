import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "@jest/globals";
import { compareBuildsMain } from "../../src/builds/cli";
import { runConformance } from "../../src/conformance/run";
import { writeLlamaModel } from "../../src/gguf/llama-model";
import { WorkerTestHarness } from "../../src/harness/worker-test-harness";
import { matchers } from "../../src/matchers";
import type { ReceivedEvent } from "../../src/protocol/events";
import { freePort } from "../../src/worker/ports";
import { describeLlama } from "../helpers/llama";
import { mockArgs, startMock, stopAllMocks } from "../helpers/mock";

const dir = mkdtempSync(join(tmpdir(), "wojest-llama-"));
afterAll(async () => {
  await stopAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

const SENTENCE = "The quick brown fox jumps over the lazy dog.";
const chain = join(dir, "chain.gguf");
const looping = join(dir, "looping.gguf");
const emoji = join(dir, "emoji.gguf");
const random = join(dir, "random.gguf");
writeLlamaModel(chain, { text: SENTENCE });
writeLlamaModel(looping, { text: SENTENCE, eos: false });
writeLlamaModel(emoji, { text: "Launch 🚀 now!" });
writeLlamaModel(random, { seed: 11 });

const text = (events: ReceivedEvent[]) => events.map((e) => (e.type === "token" ? e.t : "")).join("");
const tokens = (events: ReceivedEvent[]) => events.flatMap((e) => (e.type === "token" ? [e.t] : []));
const llama = (model: string, extra: string[] = []) =>
  startMock({ model, extraArgs: ["--engine", "llama", ...extra], startupTimeoutMs: 60_000 });

describeLlama("the llama engine: real llama.cpp inference behind the mock's protocol", () => {
  it("generates a written text exactly, and ends it with eos when the model predicts end-of-sequence", async () => {
    const w = await llama(chain);
    const events = await w.client.execute({ job_id: "c1", prompt: "Say it:", max_tokens: 50 });
    expect(text(events)).toBe(SENTENCE);
    expect(tokens(events)).toEqual([
      "The",
      " quick",
      " brown",
      " fox",
      " jumps",
      " over",
      " the",
      " lazy",
      " dog.",
    ]);
    expect(events.at(-1)).toMatchObject({ type: "end", stop_reason: "eos", tokens_out: 9 });
    // A prompt that ends inside the text is continued from there.
    const rest = await w.client.execute({ job_id: "c2", prompt: "The quick brown", max_tokens: 50 });
    expect(text(rest)).toBe(" fox jumps over the lazy dog.");
  });

  it("same seed, same tokens; another seed, other tokens (random weights, temperature 1)", async () => {
    const w = await llama(random);
    const run = async (id: string, seed: number) =>
      tokens(await w.client.execute({ job_id: id, prompt: "hello", max_tokens: 24, seed, temperature: 1 }));
    const a = await run("r1", 1);
    expect(a.length).toBeGreaterThan(0);
    expect(await run("r2", 1)).toEqual(a);
    expect(await run("r3", 2)).not.toEqual(a);
    // Greedy decoding ignores the seed.
    const greedy = async (id: string, seed: number) =>
      text(await w.client.execute({ job_id: id, prompt: "hello", max_tokens: 16, seed, temperature: 0 }));
    expect(await greedy("g1", 1)).toBe(await greedy("g2", 2));
  });

  it("ends at a stop sequence spanning two tokens and names it", async () => {
    const w = await llama(looping);
    const events = await w.client.execute({ job_id: "s1", prompt: "x", max_tokens: 100, stop: ["zy do"] });
    expect(events.at(-1)).toMatchObject({
      type: "end",
      stop_reason: "stop_sequence",
      stop_sequence_matched: "zy do",
    });
    expect(tokens(events).slice(-2)).toEqual([" lazy", " dog."]);
  });

  it("sends a character split over byte-fallback tokens as one whole character", async () => {
    const w = await llama(emoji);
    const events = await w.client.execute({ job_id: "u1", prompt: "?", max_tokens: 50 });
    expect(text(events)).toBe("Launch 🚀 now!");
    expect(tokens(events)).toContain("🚀");
    expect(text(events)).not.toContain("\uFFFD");
    // max_tokens counts the model's tokens: the emoji's four byte tokens make one event.
    const capped = await w.client.execute({ job_id: "u2", prompt: "?", max_tokens: 6 });
    expect(tokens(capped)).toEqual(["Launch", " ", "🚀"]);
    expect(capped.at(-1)).toMatchObject({ stop_reason: "max_tokens", tokens_out: 3 });
  });

  it("reports the real model in /health: load time, memory, vocabulary, context, F32", async () => {
    const w = await llama(chain, ["--threads", "1"]);
    const health = (await w.client.health()) as Record<string, unknown>;
    expect(health).toMatchObject({
      status: "healthy",
      model: "chain.gguf",
      resident: true,
      quant_kind: "F32",
      tokenizer_kind: "gguf-spm",
      context_length: 2048,
      engine: "llama.cpp (node-llama-cpp, cpu, 1 thread)",
    });
    expect(health.vram_bytes_used).toBeGreaterThan(100_000);
    expect(health.load_ms).toBeGreaterThan(0);
    expect(health.vocab_size).toBeGreaterThan(256);
  });

  it("passes the conformance clauses the mock passes, cancel within 100 ms among them", async () => {
    const report = await runConformance({
      binary: "mock",
      model: looping,
      extraArgs: ["--engine", "llama"],
      startupTimeoutMs: 60_000,
    });
    // The llama engine answered (the mock's own engine reports the reference model's Q4_K_M).
    expect(report.clauses.find((c) => c.id === "HEALTH-FULL")?.evidence).toMatch(/"quant_kind":"F32"/);
    const failed = report.clauses.filter((c) => c.verdict === "fail" || c.verdict === "error");
    // Timing clauses judge the host's load as much as the worker; the protocol clauses must all pass.
    expect(failed.filter((c) => !c.id.startsWith("TIMING-")).map((c) => `${c.id}: ${c.evidence}`)).toEqual(
      [],
    );
    expect(report.clauses.find((c) => c.id === "CANCEL-ROUTE")).toMatchObject({ verdict: "pass" });
  }, 120_000);

  it("compare-builds of the llama engine against itself (two running workers, attached) finds no difference; its harness stops cleanly", async () => {
    expect.extend(matchers);
    const a = await WorkerTestHarness.startMock({ engine: "llama", model: random, tokenIntervalMs: 0 });
    const b = await llama(random);
    const out: string[] = [];
    const stream = { write: (s: string) => out.push(s) > 0 } as unknown as NodeJS.WritableStream;
    const code = await compareBuildsMain(["--bin", a.baseUrl, "--bin", b.baseUrl], stream, stream);
    expect(out.join("")).toMatch(/no difference that counts/);
    expect(code).toBe(0);
    await a.stop();
    expect(a).toHaveStoppedCleanly();
  }, 120_000);

  it("while llama.cpp loads, /health says resident false and only the file name; then the real facts", async () => {
    const port = await freePort();
    // The test realm's environment (with WORKER_ORCD_LLAMA_PATH), not the process's.
    const child = spawn(process.execPath, mockArgs(port, { model: chain, extra: ["--engine", "llama"] }), {
      env: { ...process.env },
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    try {
      let loading: Record<string, unknown> | undefined;
      let ready: Record<string, unknown> | undefined;
      const deadline = Date.now() + 30_000;
      while (!ready && Date.now() < deadline) {
        const body = await fetch(`http://127.0.0.1:${port}/health`)
          .then((r) => r.json() as Promise<Record<string, unknown>>)
          .catch(() => undefined);
        if (body?.resident === false) loading ??= body;
        if (body?.resident === true) ready = body;
        await new Promise((r) => setTimeout(r, 20));
      }
      if (!ready) throw new Error(`the worker did not become ready; it said:\n${out}`);
      expect(loading).toMatchObject({
        model: "chain.gguf",
        quant_kind: "unknown",
        vocab_size: 0,
        vram_bytes_used: 0,
      });
      expect(ready).toMatchObject({ model: "chain.gguf", quant_kind: "F32", tokenizer_kind: "gguf-spm" });
    } finally {
      child.kill("SIGKILL");
    }
  }, 40_000);

  it("without node-llama-cpp, exits 1 at start with the line that installs it", async () => {
    const child = spawn(
      process.execPath,
      mockArgs(await freePort(), { model: chain, extra: ["--engine", "llama"] }),
      {
        cwd: tmpdir(),
        env: { ...process.env, WORKER_ORCD_LLAMA_PATH: join(dir, "nothing-here") },
      },
    );
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const code = await new Promise((resolve) => child.on("exit", resolve));
    expect(code).toBe(1);
    expect(out).toMatch(/MODEL_LOAD_FAILED/);
    expect(out).toMatch(/npm i -D node-llama-cpp@3/);
  });
});

describe("the llama engine opens no model the package's header check refuses", () => {
  it("an 88-byte GGUF claiming 2^60 metadata entries ends the start at once with the header check's reason", async () => {
    const hostile = Buffer.alloc(88);
    hostile.write("GGUF", 0, "latin1");
    hostile.writeUInt32LE(3, 4);
    hostile.writeBigUInt64LE(0n, 8);
    hostile.writeBigUInt64LE(2n ** 60n, 16);
    const path = join(dir, "hostile.gguf");
    writeFileSync(path, hostile);
    const start = WorkerTestHarness.startMock({ engine: "llama", model: path, startupTimeoutMs: 60_000 });
    await expect(start).rejects.toThrow(/MODEL_LOAD_FAILED|exited with code 1/);
    await expect(start).rejects.toThrow(/1152921504606846976 metadata entries cannot fit in 88 bytes/);
  }, 70_000);
});
