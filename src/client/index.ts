export * from "./errors";
export { decodeEvent } from "./event-decoder";
export { EventSink } from "./event-sink";
export { JobAbandonedError, type JobEntry, JobLedger } from "./job-ledger";
export { type PrometheusSample, parsePrometheus } from "./prometheus";
export { EVENT_SOURCE, type EventSource, sourceOf } from "./received";
export { readSseFrames, type SseFrame } from "./sse-reader";
export * from "./worker-client";
