import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { waitFor } from "./wait";

export const REPO = join(__dirname, "..", "..");
export const PRESET = join(REPO, "jest-preset.js");
const JEST_BIN = require.resolve("jest/bin/jest");

/** What a Jest run printed and how it ended. */
export interface JestResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
}

/** Runs a Jest binary in `cwd` (colours off, `--ci`) and collects stdout and stderr together. */
export function runJest(
  cwd: string,
  args: string[],
  env: Record<string, string | undefined> = {},
  jestBin = JEST_BIN,
  onSpawn?: (child: ChildProcess) => void,
): Promise<JestResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [jestBin, "--ci", "--colors=false", ...args], {
      cwd,
      env: { ...process.env, FORCE_COLOR: "0", ...env },
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    onSpawn?.(child);
    child.on("exit", (code, signal) => resolve({ code, signal, out }));
  });
}

/** A throw-away Jest project in a temp dir, using this repository's preset. */
export class FixtureProject {
  readonly dir = mkdtempSync(join(tmpdir(), "wojest-fixture-"));
  /** A mark put in the environment of everything the run starts, to find leaked processes. */
  readonly mark = randomUUID();

  constructor(config: Record<string, unknown> = {}) {
    this.write(
      "jest.config.js",
      `module.exports = ${JSON.stringify({ rootDir: this.dir, preset: PRESET, ...config }, null, 2)};\n`,
    );
  }

  write(path: string, text: string | Buffer, mode?: number): string {
    const full = join(this.dir, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, text);
    if (mode) chmodSync(full, mode);
    return full;
  }

  /** Runs Jest on this project; `onSpawn` gets the child to signal it part-way. */
  run(
    args: string[] = [],
    env: Record<string, string | undefined> = {},
    onSpawn?: (child: ChildProcess) => void,
  ): Promise<JestResult> {
    return runJest(this.dir, args, { WORKER_ORCD_TEST_MARK: this.mark, ...env }, JEST_BIN, onSpawn);
  }

  /** Pids of live processes that carry this project's mark (Linux /proc). */
  marked(): number[] {
    const found: number[] = [];
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (readFileSync(`/proc/${entry}/environ`, "latin1").includes(`WORKER_ORCD_TEST_MARK=${this.mark}`)) {
          const stat = readFileSync(`/proc/${entry}/stat`, "latin1");
          if (!/\) Z /.test(stat)) found.push(Number(entry));
        }
      } catch {
        // gone or not ours
      }
    }
    return found;
  }

  /** Waits until no marked process is left, up to `ms`; returns what is left. */
  async survivors(ms = 3000): Promise<number[]> {
    const deadline = Date.now() + ms;
    let left = this.marked();
    while (left.length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      left = this.marked();
    }
    for (const pid of left) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    return left;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** An executable stand-in for a real worker binary that runs the mock (for "real" mode without a GPU). */
export function fakeWorkerBinary(project: FixtureProject, name = "bin/fake-worker-orcd"): string {
  const mock = join(REPO, "dist", "mock", "cli.js");
  return project.write(name, `#!/bin/sh\nexec "${process.execPath}" "${mock}" "$@"\n`, 0o755);
}

/** A fake nvidia-smi on a bin dir: answers the query with the given GPUs. */
export function fakeNvidiaSmi(project: FixtureProject, gpus: string[], cuda = "12.4"): string {
  const csv = gpus.join("\\n");
  project.write(
    "fake-gpu/nvidia-smi",
    `#!/bin/sh\ncase "$1" in\n  --query-gpu*) printf '${csv}\\n' ;;\n  *) echo "| NVIDIA-SMI 550.54  Driver Version: 550.54  CUDA Version: ${cuda} |" ;;\nesac\n`,
    0o755,
  );
  return join(project.dir, "fake-gpu");
}

export { sleep } from "./wait";

/** Polls `check` until it holds; throws after `ms`. */
export async function until(check: () => boolean, ms = 20000): Promise<void> {
  await waitFor(check, "a file the fixture writes", ms);
}

/** A Jest test sequencer (write it as `sequencer.js`, set `testSequencer`) that runs the files in name order. */
export const NAME_ORDER_SEQUENCER = `const Base = require(${JSON.stringify(require.resolve("@jest/test-sequencer"))}).default;
module.exports = class extends Base { sort(tests) { return [...tests].sort((a, b) => a.path.localeCompare(b.path)); } };
`;

/**
 * Fixture projects with `workerOrcd` options over a short `shutdownGraceMs`
 * (300 ms); `remove()` deletes every one made (call it from `afterAll`).
 */
export function scopeProjects(defaults: Record<string, unknown> = {}): {
  project: (workerOrcd?: Record<string, unknown>, config?: Record<string, unknown>) => FixtureProject;
  remove: () => void;
  /** Waits until no process any project started is left (Jest's own worker processes exit after it), bounded. */
  settle: () => Promise<void>;
} {
  const made: FixtureProject[] = [];
  return {
    project: (workerOrcd = defaults, config = {}) => {
      const p = new FixtureProject({
        testEnvironmentOptions: { workerOrcd: { shutdownGraceMs: 300, ...workerOrcd } },
        ...config,
      });
      made.push(p);
      return p;
    },
    remove: () => {
      for (const p of made.splice(0)) p.remove();
    },
    settle: async () => {
      await Promise.all(made.map((p) => p.survivors(10_000)));
    },
  };
}
