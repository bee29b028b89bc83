import type { MatcherContext } from "expect";
import { sourceOf } from "../client/received";
import type { WorkerEvent } from "../protocol/events";
import { getHandle } from "../run/handle";
import { compareTranscript, type TranscriptMatchOptions } from "../transcripts/compare";
import { CI_RUN } from "../transcripts/store";

/**
 * The events match the transcript `name` of this test file
 * (`__transcripts__/<file>/<name>.json`): token text exactly, other fields
 * (numbers within a tolerance), timings only when asked. A missing
 * transcript fails with how to record it.
 */
export function toMatchTranscript(
  this: MatcherContext,
  received: unknown,
  name: string,
  options: TranscriptMatchOptions = {},
) {
  const hint = () =>
    this.utils.matcherHint("toMatchTranscript", "events", JSON.stringify(name), { isNot: this.isNot });
  const store = getHandle()?.transcripts;
  if (!store) {
    return {
      pass: false,
      message: () =>
        `${hint()}\n\ntoMatchTranscript needs the worker-orcd-jest environment (the preset), which keeps the transcripts`,
    };
  }
  if (!Array.isArray(received)) {
    return {
      pass: false,
      message: () => `${hint()}\n\nReceived ${this.utils.printReceived(received)}, not an event array`,
    };
  }
  const transcript = store.read(name);
  if (!transcript) {
    return {
      pass: false,
      message: () =>
        `${hint()}\n\nNo transcript ${JSON.stringify(name)} in ${store.dir}: record it first with ` +
        `\`worker.execute(request, { record: ${JSON.stringify(name)} })\` (${CI_RUN} never writes one)`,
    };
  }
  const verdict = compareTranscript(
    received as WorkerEvent[],
    transcript,
    store.context,
    options,
    sourceOf(received)?.requestedAt,
  );
  return { pass: verdict.pass, message: () => `${hint()}\n\n${verdict.message}` };
}
