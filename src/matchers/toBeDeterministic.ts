import type { MatcherContext } from "expect";
import type { ReceivedEvent } from "../protocol/events";
import type { ExecuteRequest } from "../protocol/request";
import { partingIndex, tokensAround } from "./parting";
import { tokensOf } from "./rules";

/** What {@link toBeDeterministic} runs the request on: the global `worker`, a harness, or a client. */
interface Executes {
  execute(request: ExecuteRequest): Promise<ReceivedEvent[]>;
}

/** Options of {@link toBeDeterministic}. */
export interface DeterminismOptions {
  /** How many times the request runs (2 or more). Default 3. */
  runs?: number;
}

/**
 * The same request gives the same tokens every time: it runs `runs` times
 * (job ids `<job_id>-1`, `-2`, ...) on the worker, one after the other, and
 * every run's token texts must equal the first's. A failure names the
 * first run and token index where they part, with the tokens around it
 * from both. Seed the request (and set a temperature > 0 to test the
 * sampler): an unseeded one is free to differ.
 */
export async function toBeDeterministic(
  this: MatcherContext,
  received: unknown,
  request: ExecuteRequest,
  options: DeterminismOptions = {},
) {
  const runs = options.runs ?? 3;
  const hint = () =>
    this.utils.matcherHint("toBeDeterministic", "worker", "request", {
      isNot: this.isNot,
      promise: this.promise,
    });
  if (!received || typeof (received as Executes).execute !== "function")
    return {
      pass: false,
      message: () =>
        `${hint()}\n\nExpected the global \`worker\`, a WorkerTestHarness or a WorkerClient (something with execute()), got ${this.utils.printReceived(received)}`,
    };
  if (!Number.isInteger(runs) || runs < 2)
    return {
      pass: false,
      message: () => `${hint()}\n\nruns must be a whole number >= 2, got ${JSON.stringify(runs)}`,
    };
  const texts: string[][] = [];
  for (let k = 1; k <= runs; k++) {
    const events = await (received as Executes).execute({ ...request, job_id: `${request.job_id}-${k}` });
    texts.push(tokensOf(events).map((e) => String(e.t ?? "")));
  }
  const [first] = texts;
  for (let k = 1; k < texts.length; k++) {
    const other = texts[k];
    const parts = partingIndex(first, other);
    if (parts < 0) continue;
    return {
      pass: false,
      message: () =>
        `${hint()}\n\nRun ${k + 1} of ${runs} parts from run 1 at token #${parts} ` +
        `(run 1 gave ${first.length} token(s), run ${k + 1} ${other.length}):\n` +
        `  run 1: ${tokensAround(first, parts)}\n  run ${k + 1}: ${tokensAround(other, parts)}\n\n` +
        `Request: ${this.utils.printExpected(request)}`,
    };
  }
  return {
    pass: true,
    message: () =>
      `${hint()}\n\nExpected the runs to differ, but all ${runs} gave the same ${first.length} token(s): ${JSON.stringify(first.join("").slice(0, 120))}`,
  };
}
