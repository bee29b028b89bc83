/** The worker's HTTP routes (docs/protocol.md), shared by the client and the mock. */
export const ROUTES = {
  health: "/health",
  execute: "/execute",
  cancel: "/cancel",
  shutdown: "/shutdown",
  metrics: "/metrics",
} as const;

/** The upstream harness's cancel form, tried only when `POST /cancel` answers 404. */
export function legacyCancelRoute(jobId: string): `/cancel/${string}` {
  return `${ROUTES.cancel}/${encodeURIComponent(jobId)}` as `/cancel/${string}`;
}

/** Content type of the `/execute` stream. */
export const SSE_CONTENT_TYPE = "text/event-stream";
