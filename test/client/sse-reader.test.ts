import { describe, expect, it } from "@jest/globals";
import { MAX_FRAME_CHARS, readSseFrames } from "../../src/client/sse-reader";
import { bytewise, streamOf } from "../helpers/mock";

async function frames(stream: ReadableStream<Uint8Array>, idleTimeoutMs = 1000) {
  const out = [];
  const options = {
    idleTimeoutMs,
    onIdle: (ms: number) => new Error(`idle ${ms}`),
    onTooLarge: (chars: number) => new Error(`too large ${chars}`),
  };
  for await (const batch of readSseFrames(stream, options)) {
    out.push(...batch);
  }
  return out;
}

const PLAIN =
  'event: started\ndata: {"type":"started","job_id":"j","model":"m","started_at":"0"}\n\n' +
  'event: token\ndata: {"type":"token","t":"日本🚀","i":0}\n\n' +
  'event: end\ndata: {"type":"end","tokens_out":1,"decode_time_ms":1,"stop_reason":"max_tokens"}\n\n';

describe("readSseFrames", () => {
  it("ignores spec-valid lines it does not know: unknown fields, a bad retry:, colon-less lines", async () => {
    const odd = PLAIN.replace("event: token\n", "x-trace: 1\nretry: soon\nnocolon\nevent: token\n");
    const out = await frames(streamOf([odd]));
    expect(out.map((f) => f.event)).toEqual(["started", "token", "end"]);
    const garbage = `${"x".repeat(5000)}\n\n`;
    expect(await frames(streamOf([garbage]))).toEqual([]);
  });

  it("decodes a plain stream", async () => {
    const out = await frames(streamOf([PLAIN]));
    expect(out.map((f) => f.event)).toEqual(["started", "token", "end"]);
    expect(JSON.parse(out[1].data).t).toBe("日本🚀");
  });

  it("decodes the same stream written one byte at a time, with CRLF and data over two lines", async () => {
    const crlfSplit = PLAIN.replace(/\n/g, "\r\n").replace(
      /data: \{"type":"token",/,
      'data: {"type":"token",\r\ndata: ',
    );
    const plain = await frames(streamOf([PLAIN]));
    const split = await frames(streamOf(bytewise(crlfSplit)));
    expect(split.map((f) => [f.event, JSON.parse(f.data)])).toEqual(
      plain.map((f) => [f.event, JSON.parse(f.data)]),
    );
  });

  it("keeps a UTF-8 character split across chunks whole", async () => {
    const bytes = Buffer.from('data: {"type":"token","t":"🚀","i":0}\n\n', "utf8");
    const cut = bytes.indexOf(0xf0) + 2;
    const out = await frames(streamOf([bytes.subarray(0, cut), bytes.subarray(cut)]));
    expect(JSON.parse(out[0].data).t).toBe("🚀");
  });

  it("handles a \\r\\n split between chunks without inventing an empty line", async () => {
    const out = await frames(streamOf(['data: {"a":1}\r', "\n", 'data: {"b":2}\r\n\r\n']));
    expect(out).toHaveLength(1);
    expect(out[0].data).toBe('{"a":1}\n{"b":2}');
  });

  it("ignores comments and retry: lines, and keeps the id: of a frame", async () => {
    const out = await frames(streamOf([": keep-alive\nid: 7\nretry: 100\nevent: token\ndata: {}\n\n"]));
    expect(out).toEqual([{ id: "7", event: "token", data: "{}" }]);
  });

  it("frames without event: have no event name (data-only builds)", async () => {
    const out = await frames(streamOf(['data: {"type":"token"}\n\n']));
    expect(out[0].event).toBeUndefined();
  });

  it("discards a final frame without its blank line, as the SSE spec says", async () => {
    const out = await frames(streamOf(['data: {}\n\ndata: {"partial":1}\n']));
    expect(out).toHaveLength(1);
  });

  it("bounds a frame that never ends instead of buffering without limit", async () => {
    const line = "x".repeat(1024 * 1024);
    const endless = new ReadableStream<Uint8Array>({
      pull(c) {
        c.enqueue(new TextEncoder().encode(line));
      },
    });
    await expect(frames(endless)).rejects.toThrow(`too large ${MAX_FRAME_CHARS}`);
  });

  it("throws the idle error when the stream goes silent", async () => {
    const silent = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode("data: {}\n\n"));
      },
    });
    await expect(frames(silent, 50)).rejects.toThrow("idle 50");
  });
});
