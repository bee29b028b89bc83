import { SSE_CONTENT_TYPE } from "../protocol/routes";
import { rejectedFields } from "../protocol/validation-errors";
import { maskUrl } from "../util/mask-url";
import { readBodyText } from "./body";
import { WorkerHttpError } from "./errors";

/** A whole HTTP answer, for tests that examine a rejection. */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  /** The body as text. */
  text: string;
  /** The body parsed as JSON, or `undefined` when it is not JSON. */
  json: unknown;
}

export async function toRaw(res: Response): Promise<RawResponse> {
  const text = await readBodyText(res);
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  const headers: Record<string, string> = {};
  res.headers.forEach((value, key) => {
    headers[key] = value;
  });
  return { status: res.status, headers, text, json };
}

/** The error for an unexpected answer; a 400 names the rejected fields, anything else shows the (clipped) body. */
export function httpError(what: string, res: RawResponse, note = ""): WorkerHttpError {
  const fields = res.status === 400 ? rejectedFields(res.json) : [];
  const detail = fields.length > 0 ? `rejected field(s): ${fields.join(", ")}` : clip(res.text);
  return new WorkerHttpError(`${what} answered HTTP ${res.status}: ${detail}${note}`, res.status, res.text);
}

/** Shortens a body or log text quoted in a message. */
export function clip(text: string, max = 300): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * The event-stream body of an `/execute` answer: a non-200 answer is a
 * {@link WorkerHttpError} (a 400 names the rejected fields), and so is a 200
 * that is not `text/event-stream`. Shared by the client and `collectSseEvents`;
 * `what` names the answer in those messages.
 */
export async function eventStreamBody(
  res: Response,
  jobId: string,
  what = `POST /execute (job ${JSON.stringify(jobId)})`,
): Promise<ReadableStream<Uint8Array>> {
  if (res.status !== 200) throw httpError(what, await toRaw(res));
  const type = res.headers.get("content-type") ?? "";
  if (type.includes(SSE_CONTENT_TYPE) && res.body) return res.body;
  const raw = await toRaw(res);
  throw new WorkerHttpError(
    `${what} answered 200 with content-type ${JSON.stringify(type)}, expected text/event-stream: ${clip(raw.text)}`,
    200,
    raw.text,
  );
}

/**
 * `fetch` for a worker's routes, where a redirect is never followed: a 3xx
 * answer is a {@link WorkerHttpError} naming its `Location` (credentials
 * masked). Followed, it would send the request, its body and its headers
 * (an API key among them) to a server the run never named, while every
 * message still named the first URL. `what` names the call (`GET /health`).
 */
export async function fetchWorker(url: string, init: RequestInit, what: string): Promise<Response> {
  const res = await fetch(url, { ...init, redirect: "manual" });
  if (res.status < 300 || res.status >= 400) return res;
  const location = res.headers.get("location");
  await res.body?.cancel().catch(() => undefined);
  const to = location ? `to ${JSON.stringify(maskUrl(location))}` : "without a Location";
  throw new WorkerHttpError(
    `${what} answered HTTP ${res.status}, a redirect ${to}; a worker's redirect is not followed (the request and ` +
      "its headers would go to another server): give the URL the worker itself answers on",
    res.status,
    "",
  );
}
