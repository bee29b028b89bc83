/** One failing field of a rejected `/execute` request. */
export interface FieldError {
  field: string;
  constraint: string;
  message: string;
  value?: unknown;
}

/** Specification 400 body: every failing field. */
export interface ValidationErrorBody {
  errors: FieldError[];
}

/** Legacy 400 body of older builds: one field. */
export interface LegacyValidationErrorBody {
  field: string;
  message: string;
}

/** Either 400 body form. */
export type RejectionBody = ValidationErrorBody | LegacyValidationErrorBody;

/** Lists the fields a 400 body names, whichever form it has; `[]` for anything else. */
export function rejectedFields(body: unknown): string[] {
  if (!body || typeof body !== "object") return [];
  const b = body as Record<string, unknown>;
  if (Array.isArray(b.errors)) {
    return b.errors
      .map((e) => (e && typeof e === "object" ? (e as Record<string, unknown>).field : undefined))
      .filter((f): f is string => typeof f === "string");
  }
  return typeof b.field === "string" ? [b.field] : [];
}
