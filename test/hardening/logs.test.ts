import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "@jest/globals";
import { MOCK_ENTRY } from "../../src/worker/command";
import { LineSplitter, LogBuffer, MAX_LINE_CHARS } from "../../src/worker/log-buffer";
import { startMock, stopAllMocks } from "../helpers/mock";

const dir = mkdtempSync(join(tmpdir(), "wojest-logs-"));
afterAll(async () => {
  await stopAllMocks();
  rmSync(dir, { recursive: true, force: true });
});
const script = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  chmodSync(p, 0o755);
  return p;
};

describe("bounded worker logs", () => {
  it("keeps the head of a 50 MB line without a newline, marked as cut, and the lines around it", () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((l) => lines.push(l));
    splitter.write("first\r\nsecond\n");
    const chunk = "x".repeat(64 * 1024);
    for (let k = 0; k < 800; k++) splitter.write(chunk);
    splitter.write("\nlast");
    splitter.end();
    expect(lines[0]).toBe("first");
    expect(lines[1]).toBe("second");
    expect(lines[2].length).toBeLessThan(MAX_LINE_CHARS + 100);
    expect(lines[2]).toMatch(/ … \[line cut: 52363264 more characters\]$/);
    expect(lines[3]).toBe("last");
  });

  it("bounds the buffer in lines and characters", () => {
    const logs = new LogBuffer(100, 10_000);
    for (let k = 0; k < 1000; k++) logs.push("stdout", `line ${k} ${"y".repeat(200)}`);
    expect(logs.all().length).toBeLessThanOrEqual(50);
    expect(logs.all().at(-1)?.text).toMatch(/^line 999 /);
    expect(logs.tail(1)[0].length).toBeLessThan(300);
    logs.push("stderr", "z".repeat(100_000));
    expect(logs.tail(1)[0]).toMatch(/^\[stderr\] z{1990,}.* more characters not shown\]$/);
  });

  it("a worker that prints a 20 MB stderr line still starts, and its failure messages stay small", async () => {
    const noisy = script(
      "noisy-worker",
      `#!/bin/sh\n"${process.execPath}" -e 'process.stderr.write("n".repeat(20*1024*1024)+"\\n")'\nexec "${process.execPath}" "${MOCK_ENTRY}" "$@"\n`,
    );
    const w = await startMock({ binary: noisy, startupTimeoutMs: 20_000 });
    const cut = w.logs.all().find((l) => l.stream === "stderr");
    expect(cut?.text).toMatch(/^n{65536} … \[line cut: 20905984 more characters\]$/);
    expect(w.logs.tail(20).join("\n").length).toBeLessThan(40_000);
    const crashing = script(
      "noisy-crash",
      `#!/bin/sh\n"${process.execPath}" -e 'process.stderr.write("n".repeat(20*1024*1024))'\nexit 3\n`,
    );
    const error = (await startMock({ binary: crashing }).catch((e) => e)) as Error;
    expect(error.message).toMatch(/exited with code 3/);
    expect(error.message.length).toBeLessThan(40_000);
  });

  it("reads an endless /health body up to a limit and reports it", async () => {
    const endless = script(
      "endless-health",
      `#!/usr/bin/env node
const port = Number(process.argv[process.argv.indexOf("--port") + 1]);
require("node:http").createServer((req, res) => {
  res.writeHead(200, { "content-type": "application/json" });
  const chunk = Buffer.alloc(65536, 32);
  const pump = () => { while (res.write(chunk)); };
  res.on("drain", pump);
  pump();
}).listen(port, "127.0.0.1");
`,
    );
    const error = (await startMock({ binary: endless, startupTimeoutMs: 1500 }).catch((e) => e)) as Error;
    expect(error.message).toMatch(/not ready within 1500 ms/);
    expect(error.message).toMatch(/last probe: GET \/health: the answer's body is larger than 65536 bytes/);
  });
});
