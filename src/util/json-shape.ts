/** Helpers for checking parsed JSON that a user or a tool may have damaged (reports, transcripts). */

/** True for a plain JSON object (not null, not an array). */
export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** What a value is, for a message: "null", "an array", or its `typeof`. */
export const kindOf = (v: unknown): string =>
  v === null ? "null" : Array.isArray(v) ? "an array" : typeof v;
