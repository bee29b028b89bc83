/**
 * How build 5d6c9a4a's axum `Json<ExecuteRequest>` extractor rejects a body
 * before `validate_all()` runs (bin/worker-crates/worker-http/src/execute.rs;
 * the struct in validation.rs): serde decides types, so a missing required
 * field (`job_id`, `prompt`, `max_tokens`) or a value of the wrong type
 * (`max_tokens: "abc"`, `top_k: -1` — a `u32`) is the framework's 422 with a
 * plain-text body, never the 400 validation body. Line and column are where
 * serde would stop, approximately.
 */

type Kind = "string" | "u32" | "u64" | "f32" | "strings" | "optional-u64";

/** ExecuteRequest's fields in declaration order, and their Rust types. */
const FIELDS: [string, Kind, boolean][] = [
  ["job_id", "string", true],
  ["prompt", "string", true],
  ["max_tokens", "u32", true],
  ["temperature", "f32", false],
  ["seed", "optional-u64", false],
  ["top_p", "f32", false],
  ["top_k", "u32", false],
  ["repetition_penalty", "f32", false],
  ["stop", "strings", false],
  ["min_p", "f32", false],
];

const PREFIX = "Failed to deserialize the JSON body into the target type: ";

/** serde's words for a JSON value it did not expect. */
function unexpected(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "boolean") return `boolean \`${v}\``;
  if (typeof v === "string") return `string ${JSON.stringify(v)}`;
  if (Array.isArray(v)) return "sequence";
  if (typeof v === "object") return "map";
  if (typeof v === "bigint") return `integer \`${v}\``;
  if (typeof v === "number") return Number.isInteger(v) ? `integer \`${v}\`` : `floating point \`${v}\``;
  return String(v);
}

const EXPECTED: Record<Kind, string> = {
  string: "a string",
  u32: "u32",
  u64: "u64",
  "optional-u64": "u64",
  f32: "f32",
  strings: "a sequence",
};

function problem(kind: Kind, v: unknown): string | undefined {
  switch (kind) {
    case "string":
      return typeof v === "string" ? undefined : `invalid type: ${unexpected(v)}, expected a string`;
    case "u32":
    case "u64":
    case "optional-u64": {
      if (kind === "optional-u64" && v === null) return undefined;
      const max = kind === "u32" ? 4294967295n : 18446744073709551615n;
      if (typeof v === "bigint" || (typeof v === "number" && Number.isInteger(v))) {
        const n = BigInt(v);
        if (n < 0n || n > max) {
          // serde_json reads a negative integer as i64, one past u64 as a float.
          if (n > 18446744073709551615n)
            return `invalid type: floating point \`${Number(n)}\`, expected ${EXPECTED[kind]}`;
          return `invalid value: integer \`${n}\`, expected ${EXPECTED[kind]}`;
        }
        return undefined;
      }
      return `invalid type: ${unexpected(v)}, expected ${EXPECTED[kind]}`;
    }
    case "f32":
      return typeof v === "number" ? undefined : `invalid type: ${unexpected(v)}, expected f32`;
    case "strings":
      if (!Array.isArray(v)) return `invalid type: ${unexpected(v)}, expected a sequence`;
      for (const item of v)
        if (typeof item !== "string") return `invalid type: ${unexpected(item)}, expected a string`;
      return undefined;
  }
}

/** Where in `raw` serde would report a problem with `field` (end of its value), or the end of the body. */
function position(raw: string, field?: string): string {
  let at = raw.trimEnd().length;
  if (field) {
    const key = raw.indexOf(`"${field}"`);
    if (key >= 0) {
      const end = /[,}\]]/.exec(raw.slice(raw.indexOf(":", key) + 1));
      if (end) at = raw.indexOf(":", key) + 1 + end.index;
    }
  }
  const before = raw.slice(0, at);
  const line = before.split("\n").length;
  const column = at - before.lastIndexOf("\n") - 1 + (field ? 0 : 0);
  return `at line ${line} column ${Math.max(1, column)}`;
}

/**
 * The 422 text the build answers for a parsed body, or undefined when serde
 * would accept it (unknown fields are ignored, as serde does by default).
 */
export function deserializeProblem(body: unknown, raw: string): string | undefined {
  if (!body || typeof body !== "object" || Array.isArray(body)) {
    return `${PREFIX}invalid type: ${unexpected(body)}, expected struct ExecuteRequest ${position(raw)}`;
  }
  const b = body as Record<string, unknown>;
  const kinds = new Map(FIELDS.map(([name, kind]) => [name, kind]));
  // serde reads the fields in the order the body has them; the first bad one stops it.
  for (const key of Object.keys(b)) {
    const kind = kinds.get(key);
    if (!kind) continue;
    const why = problem(kind, b[key]);
    if (why) return `${PREFIX}${key}: ${why} ${position(raw, key)}`;
  }
  for (const [name, , required] of FIELDS) {
    if (required && !(name in b)) return `${PREFIX}missing field \`${name}\` ${position(raw)}`;
  }
  return undefined;
}
