import { isObject, kindOf } from "../util/json-shape";
import type { Transcript } from "./types";

/**
 * The first thing that keeps a parsed transcript from being compared with or
 * replayed, as a phrase (`"events[3] is null"`); undefined when it is sound.
 * Hand-edited and damaged files end here, never in a `TypeError`.
 */
export function transcriptProblem(value: unknown): string | undefined {
  if (!isObject(value)) return `it holds ${kindOf(value)}, not a transcript object`;
  if (value.schema !== 1) return `"schema" is ${JSON.stringify(value.schema)}, expected 1`;
  if (typeof value.name !== "string") return `"name" is missing or not a string`;
  if (!isObject(value.context))
    return `"context" is ${value.context === undefined ? "missing" : kindOf(value.context)}`;
  if (!isObject(value.request))
    return `"request" is ${value.request === undefined ? "missing" : kindOf(value.request)}`;
  if (!Array.isArray(value.events))
    return `"events" is ${value.events === undefined ? "missing" : kindOf(value.events)}`;
  for (const [i, e] of value.events.entries()) {
    if (!isObject(e) || typeof e.type !== "string")
      return `events[${i}] is ${JSON.stringify(e)}, not an event`;
  }
  if (!Array.isArray(value.receivedAt))
    return `"receivedAt" is ${value.receivedAt === undefined ? "missing" : kindOf(value.receivedAt)}`;
  if (value.receivedAt.length !== value.events.length)
    return `"receivedAt" has ${value.receivedAt.length} time(s) for ${value.events.length} event(s)`;
  for (const [i, t] of value.receivedAt.entries()) {
    if (typeof t !== "number" || !Number.isFinite(t) || t < 0)
      return `receivedAt[${i}] is ${JSON.stringify(t)}, not a time in ms`;
  }
  return undefined;
}

/** A parsed transcript, checked; throws an `Error` naming `path` and what is wrong. */
export function checkedTranscript(value: unknown, path: string): Transcript {
  const problem = transcriptProblem(value);
  if (problem)
    throw new Error(
      `transcript ${path} is damaged: ${problem}; record it again with -u (or restore it from version control)`,
    );
  return value as Transcript;
}
