/** Largest response body read whole (a worker's JSON answers are a few KiB). */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** A body that did not end within the limit: what was read, and that it was cut. */
export class BodyTooLargeError extends Error {}

/**
 * Reads a response body as UTF-8 text, at most `maxBytes`: a worker that
 * streams an endless body (a broken `/health`) is read up to the limit, the
 * connection is cancelled, and a {@link BodyTooLargeError} says so, instead of
 * growing memory until the process dies.
 */
export async function readBodyText(res: Response, maxBytes = MAX_BODY_BYTES): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const decoder = new TextDecoder("utf-8");
  let text = "";
  let bytes = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return text + decoder.decode();
      bytes += value.byteLength;
      if (bytes > maxBytes) {
        throw new BodyTooLargeError(
          `the answer's body is larger than ${maxBytes} bytes (read ${bytes} bytes, then stopped); it begins: ${JSON.stringify(text.slice(0, 200))}`,
        );
      }
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}
