/** What runs when this process exits, in the order it was added. */
const hooks = new Set<() => void>();
let installed = false;
let ran = false;
const signals = new Set<NodeJS.Signals>();

/** Runs every hook, once (at exit, or at a signal that ends the process without an exit event). */
function runHooks(): void {
  if (ran) return;
  ran = true;
  for (const run of hooks) {
    try {
      run();
    } catch {
      // the next hook still runs
    }
  }
}

/**
 * Runs `hook` when this process exits: the one "this process is exiting"
 * listener of the package (the spare, workers still stopping, the kept
 * worker). An exiting process cannot await, so a hook does only what is
 * synchronous (a signal, a file); one that throws does not keep the others
 * from running. Returns the function that removes it.
 */
export function atExit(hook: () => void): () => void {
  if (!installed) {
    installed = true;
    process.once("exit", runHooks);
  }
  hooks.add(hook);
  return () => hooks.delete(hook);
}

/**
 * Runs the exit hooks also when `signal` ends this process, then lets the
 * signal take its course (the process still dies of it): for a runner that
 * ends its worker processes with a signal, as Vitest ends its forks with
 * SIGTERM, where no exit event comes. Only where nothing else of the process
 * listens for that signal (a listener of its own decides what it means).
 */
export function atSignalToo(signal: NodeJS.Signals): void {
  if (signals.has(signal) || process.listenerCount(signal) > 0) return;
  signals.add(signal);
  process.once(signal, () => {
    runHooks();
    process.kill(process.pid, signal);
  });
}
