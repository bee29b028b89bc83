/**
 * The package's clock and timers, out of reach of Jest's fake timers.
 *
 * Test code and the package's client share a realm, and `jest.useFakeTimers()`
 * (modern or legacy, or `fakeTimers.enableGlobally`) replaces that realm's
 * global `performance`, `setTimeout` and friends. Every time the package
 * measures (receive times, TTFT, start-up) and every timer it arms (request,
 * idle, probe, stop) come from Node's own modules instead, which Jest does
 * not replace: measurements stay true and the package's timers keep firing
 * while a test's timers are fake.
 */
import { performance } from "node:perf_hooks";
import * as timers from "node:timers";

/** Milliseconds on Node's monotonic clock (`performance.now()` of `node:perf_hooks`). */
export const now = (): number => performance.now();

export const setTimeout = timers.setTimeout;
export const clearTimeout = timers.clearTimeout;
export const setInterval = timers.setInterval;
export const clearInterval = timers.clearInterval;
