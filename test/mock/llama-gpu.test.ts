import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "@jest/globals";
import { writeLlamaModel } from "../../src/gguf/llama-model";
import type { ReceivedEvent } from "../../src/protocol/events";
import { HAVE_LLAMA } from "../helpers/llama";
import { startMock, stopAllMocks } from "../helpers/mock";

/**
 * GPU-tagged: the llama engine on the CUDA prebuilt of node-llama-cpp (the
 * installer adds it where nvidia-smi lists a GPU), one worker per device, so
 * a real GPU process is detected, placed on its device and reports its VRAM.
 */
const listed = spawnSync("nvidia-smi", ["-L"], { encoding: "utf8", timeout: 10_000 });
const devices = (listed.stdout ?? "").split("\n").flatMap((l) => {
  const m = /^GPU (\d+):/.exec(l);
  return m ? [Number(m[1])] : [];
});
const cuda = HAVE_LLAMA && devices.length > 0;
if (!cuda) {
  process.stderr.write(
    `llama engine GPU tests skipped: ${devices.length === 0 ? "no GPU (nvidia-smi lists none)" : "node-llama-cpp is not installed"}\n`,
  );
}

// Made only where the tests run: a skipped file runs no afterAll.
const dir = cuda ? mkdtempSync(join(tmpdir(), "wojest-llama-gpu-")) : "";
afterAll(async () => {
  await stopAllMocks();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

(cuda ? describe : describe.skip)("the llama engine on a GPU @requires-gpu", () => {
  it.each(devices.slice(0, 2))(
    "runs on CUDA device %i, reports its VRAM, and says the written text",
    async (device) => {
      const model = join(dir, `chain-${device}.gguf`);
      writeLlamaModel(model, { text: "The quick brown fox jumps over the lazy dog." });
      const w = await startMock({
        model,
        gpuDevice: device,
        extraArgs: ["--engine", "llama", "--llama-gpu", "cuda"],
        startupTimeoutMs: 120_000,
      });
      const health = (await w.client.health()) as Record<string, unknown>;
      expect(String(health.engine)).toMatch(/cuda/);
      expect(health.vram_bytes_used).toBeGreaterThan(0);
      const events: ReceivedEvent[] = await w.client.execute({
        job_id: `gpu-${device}`,
        prompt: "?",
        max_tokens: 20,
      });
      expect(events.map((e) => (e.type === "token" ? e.t : "")).join("")).toBe(
        "The quick brown fox jumps over the lazy dog.",
      );
    },
    180_000,
  );
});
