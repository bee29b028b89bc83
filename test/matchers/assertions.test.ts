import { createServer } from "node:http";
import { describe, expect, it } from "@jest/globals";
import {
  assertEventOrder,
  assertSuccessfulCompletion,
  assertTokenCount,
  collectSseEvents,
  EventAssertionError,
  extractEndEvent,
  extractText,
  extractTokens,
} from "../../src/assertions";
import { end, error, ok, started, token } from "./events";

describe("plain assertion helpers", () => {
  it("pass on a good stream and extract its parts", () => {
    const events = ok(3);
    assertEventOrder(events);
    assertSuccessfulCompletion(events);
    assertTokenCount(events, 3);
    assertTokenCount(events, { atLeast: 2 });
    expect(extractTokens(events)).toEqual(["Hel", " lo", "Hel"]);
    expect(extractText(events)).toBe("Hel loHel");
    expect(extractEndEvent(events)).toMatchObject({ type: "end", tokens_out: 3 });
  });

  it("throw with the same rule and timeline as the matchers", () => {
    expect(() => assertEventOrder([started(), token(1), end(1)])).toThrow(
      'token indices 0, 1, 2, ... at event #1: token index 1 skips: expected i=0\n  #0 started job_id="job-1"\n  #1 token i=1 "t1"  <-- here',
    );
    expect(() => assertSuccessfulCompletion([started(), error("CUDA_ERROR")])).toThrow(EventAssertionError);
    expect(() => assertTokenCount(ok(2), 3)).toThrow("token count: 2 token event(s), expected 3");
    expect(() => extractEndEvent([started(), error()])).toThrow("end event: the stream has no end event");
  });

  it("collectSseEvents decodes a fetch Response", async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.end(
        ok(2)
          .map((e) => `data: ${JSON.stringify(e)}\n\n`)
          .join(""),
      );
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as { port: number }).port}/`);
      const events = await collectSseEvents(res);
      expect(events).toEqual(ok(2));
    } finally {
      server.close();
    }
  });
});
