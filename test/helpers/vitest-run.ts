import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { FixtureProject, type JestResult, REPO } from "./jest-run";

/** Vitest's command line, as this repository installed it. */
const VITEST_BIN = join(REPO, "node_modules", "vitest", "vitest.mjs");

/**
 * A throw-away Vitest project using this repository's plugin: the package
 * and Vitest are linked into its node_modules (one Vitest instance, as an
 * install gives), an ES module `package.json`, and `vitest.config.js` with
 * `workerOrcd(options)`.
 */
export class VitestProject extends FixtureProject {
  constructor(
    options: Record<string, unknown> = {},
    config: Record<string, unknown> = {},
    /** With it, `reporters: ["default", workerOrcdReporter(report)]`. */
    report?: Record<string, unknown>,
  ) {
    super();
    rmSync(join(this.dir, "jest.config.js"));
    this.write("package.json", JSON.stringify({ name: "vitest-fixture", private: true, type: "module" }));
    mkdirSync(join(this.dir, "node_modules"), { recursive: true });
    symlinkSync(REPO, join(this.dir, "node_modules", "worker-orcd-jest"));
    symlinkSync(join(REPO, "node_modules", "vitest"), join(this.dir, "node_modules", "vitest"));
    this.write(
      "vitest.config.js",
      `import { defineConfig } from "vitest/config";
import { workerOrcd, workerOrcdReporter } from "worker-orcd-jest/vitest/config";
const test = ${JSON.stringify(config)};
${
  report
    ? `test.reporters = ["default", workerOrcdReporter(${JSON.stringify(report)})];
`
    : ""
}export default defineConfig({ plugins: [workerOrcd(${JSON.stringify({ shutdownGraceMs: 300, ...options })})], test });
`,
    );
  }

  /** Runs `vitest run` on this project; `onSpawn` gets the child to signal it part-way. */
  override run(
    args: string[] = [],
    env: Record<string, string | undefined> = {},
    onSpawn?: (child: ChildProcess) => void,
  ): Promise<JestResult> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [VITEST_BIN, "run", "--color=false", ...args], {
        cwd: this.dir,
        env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1", WORKER_ORCD_TEST_MARK: this.mark, ...env },
      });
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      child.stderr.on("data", (d) => (out += d));
      onSpawn?.(child);
      child.on("exit", (code, signal) => resolve({ code, signal, out }));
    });
  }
}
