import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "@jest/globals";
import { readGgufHeader } from "../../src/checks/gguf";
import { checkModel } from "../../src/checks/model";
import { buildLlamaModel, ModelSpecError, writeLlamaModel } from "../../src/gguf/llama-model";
import { buildVocab, detokenize, SPACE, TOKEN_TYPE, tokenize } from "../../src/gguf/spm";
import { REPO } from "../helpers/jest-run";

const dir = mkdtempSync(join(tmpdir(), "wojest-gguf-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(REPO, "dist", "cli.js"), "write-model", ...args]);
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("exit", (code) => resolve({ code, out }));
  });
}

describe("the model writer", () => {
  it("writes a llama GGUF under 1 MB that the package's own model checks accept", () => {
    const path = join(dir, "chain.gguf");
    const model = writeLlamaModel(path, { text: "The quick brown fox jumps over the lazy dog." });
    const size = statSync(path).size;
    expect(size).toBe(model.bytes.length);
    expect(size).toBeLessThan(1024 * 1024);
    const header = readGgufHeader(path);
    expect(header).toMatchObject({ version: 3, architecture: "llama", fileBytes: size });
    // Every tensor's data lies inside the file: the header's own end is the file's end.
    expect(header.declaredBytes).toBe(size);
    expect(checkModel(path)).toMatchObject({ ok: true });
    const random = join(dir, "random.gguf");
    writeLlamaModel(random, { seed: 7 });
    expect(statSync(random).size).toBeLessThan(1024 * 1024);
    expect(checkModel(random)).toMatchObject({ ok: true });
  });

  it("writes the same bytes for the same seed and other bytes for another", () => {
    const a = buildLlamaModel({ seed: 1 }).bytes;
    expect(buildLlamaModel({ seed: 1 }).bytes.equals(a)).toBe(true);
    expect(buildLlamaModel({ seed: 2 }).bytes.equals(a)).toBe(false);
  });

  it("has byte-fallback pieces, so characters outside the vocabulary become several byte tokens", () => {
    const vocab = buildVocab(["rocket"]);
    expect(vocab.pieces.filter((_, k) => vocab.types[k] === TOKEN_TYPE.byte)).toHaveLength(256);
    expect(vocab.pieces[vocab.byte(0xf0)]).toBe("<0xF0>");
    const ids = tokenize(vocab, "rocket🚀", true);
    expect(ids.map((id) => vocab.pieces[id])).toEqual([
      `${SPACE}rocket`,
      "<0xF0>",
      "<0x9F>",
      "<0x9A>",
      "<0x80>",
    ]);
    expect(detokenize(vocab, ids)).toBe(" rocket🚀");
  });

  it("tokenizes a chain text into one token per word, with and without the word mark", () => {
    const model = buildLlamaModel({ text: "The quick brown fox" });
    expect(model.chain).toHaveLength(4);
    expect(model.text).toBe("The quick brown fox");
  });

  it("refuses a text that repeats a token, naming it and the fix", () => {
    expect(() => buildLlamaModel({ text: "a cat saw the dog and the end" })).toThrow(ModelSpecError);
    expect(() => buildLlamaModel({ text: "a cat saw the dog and the end" })).toThrow(
      /token " the" twice.*reword the text/,
    );
    expect(() => buildLlamaModel({ text: "  " })).toThrow(/empty/);
  });

  it("worker-orcd-jest write-model: writes (0), refuses a text it cannot say (1) and bad arguments (2)", async () => {
    const out = join(dir, "cli.gguf");
    const ok = await cli([out, "--text", "Hello there, world."]);
    expect(ok).toMatchObject({ code: 0 });
    expect(ok.out).toMatch(/says "Hello there, world\." in \d+ tokens/);
    expect(readFileSync(out).subarray(0, 4).toString()).toBe("GGUF");
    expect(await cli([out, "--seed", "3"])).toMatchObject({ code: 0 });
    expect(await cli([out, "--text", "x b c b"])).toMatchObject({ code: 1 });
    const bad = await cli([out]);
    expect(bad.code).toBe(2);
    expect(bad.out).toMatch(/give --text or --seed/);
    expect((await cli(["--text", "x"])).out).toMatch(/exactly one output path/);
  });
});
