/**
 * The preset's `.ts` transformer: ts-jest, loaded on first use. Jest loads
 * every configured transformer when a run starts, and ts-jest (with
 * TypeScript) costs about 0.2 s per Jest process; a suite with only `.js`
 * test files never pays it. Options are handed to ts-jest unchanged.
 */
import type { SyncTransformer, TransformOptions } from "@jest/transform";

type Real = SyncTransformer<unknown>;

/** Jest's transformer factory: a thin object that creates ts-jest's transformer when a `.ts` file first needs it. */
export function createTransformer(tsJestConfig?: unknown): Real {
  let real: Real | undefined;
  const get = (): Real => {
    if (!real) {
      const tsJest = require("ts-jest") as { default: { createTransformer(config?: unknown): Real } };
      real = tsJest.default.createTransformer(tsJestConfig);
    }
    return real;
  };
  type Options = TransformOptions<unknown>;
  return {
    canInstrument: false,
    process: (source: string, path: string, options: Options) => get().process(source, path, options),
    processAsync: (source: string, path: string, options: Options) => {
      const t = get();
      return t.processAsync
        ? t.processAsync(source, path, options)
        : Promise.resolve(t.process(source, path, options));
    },
    getCacheKey: (source: string, path: string, options: Options) =>
      get().getCacheKey!(source, path, options),
    getCacheKeyAsync: (source: string, path: string, options: Options) => {
      const t = get();
      return t.getCacheKeyAsync
        ? t.getCacheKeyAsync(source, path, options)
        : Promise.resolve(t.getCacheKey!(source, path, options));
    },
  };
}

export default { createTransformer };
