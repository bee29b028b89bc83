import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { BodyTooLargeError } from "../client/body";

/** What a probe got back. */
export interface ProbeAnswer {
  status: number;
  text: string;
}

/** A probe that got no answer in time (connected but silent, or not connected at all). */
export class ProbeTimeoutError extends Error {
  override name = "TimeoutError";
}

/**
 * GET over node:http, without keep-alive, for the harness's own probes of a
 * worker (readiness, the callback's listening check). Not `fetch`: undici
 * costs one to three ms of CPU per request in the calling process, which is
 * Jest's, and a start makes a dozen probes. Resolves with the status and the
 * body text (at most `maxBytes`, else a {@link BodyTooLargeError}); rejects
 * with the socket error (its `code`, e.g. `ECONNREFUSED`) or, after
 * `timeoutMs` without an answer, a {@link ProbeTimeoutError}. An `https:`
 * URL goes over node:https; `headers` (an attached worker's credentials)
 * are sent as given. A redirect is answered, never followed.
 */
export function probe(
  url: string,
  timeoutMs: number,
  maxBytes: number,
  headers: Record<string, string> = {},
): Promise<ProbeAnswer> {
  const request = url.startsWith("https:") ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, timeout: timeoutMs, headers }, (res) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      res.on("data", (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > maxBytes) {
          const begins = Buffer.concat(chunks).toString("utf8").slice(0, 200);
          req.destroy();
          reject(
            new BodyTooLargeError(
              `the answer's body is larger than ${maxBytes} bytes (read ${bytes} bytes, then stopped); it begins: ${JSON.stringify(begins)}`,
            ),
          );
          return;
        }
        chunks.push(chunk);
      });
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }),
      );
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new ProbeTimeoutError(`no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end();
  });
}
