/** What runs when this process exits, in the order it was added. */
const hooks = new Set<() => void>();

/**
 * Runs `hook` when this process exits: the one "this process is exiting"
 * listener of the package (the spare, workers still stopping, the kept
 * worker). An exiting process cannot await, so a hook does only what is
 * synchronous (a signal, a file); one that throws does not keep the others
 * from running. Returns the function that removes it.
 */
export function atExit(hook: () => void): () => void {
  if (hooks.size === 0 && !installed) {
    installed = true;
    process.once("exit", () => {
      for (const run of hooks) {
        try {
          run();
        } catch {
          // the next hook still runs
        }
      }
    });
  }
  hooks.add(hook);
  return () => hooks.delete(hook);
}
let installed = false;
