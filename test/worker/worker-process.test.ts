import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "@jest/globals";
import { MOCK_ENTRY } from "../../src/worker/command";
import { WorkerStartupError } from "../../src/worker/errors";
import { isAlive, MARK_VAR } from "../../src/worker/processes";
import { reapOrphans, recordWorker, registryDir } from "../../src/worker/registry";
import { daemonizingWorker, startMock, stopAllMocks } from "../helpers/mock";

const dir = mkdtempSync(join(tmpdir(), "wp-"));
afterAll(async () => {
  await stopAllMocks();
  rmSync(dir, { recursive: true, force: true });
});
const script = (name: string, text: string, mode = 0o755) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  chmodSync(p, mode);
  return p;
};

import { until } from "../helpers/jest-run";
import { execed, waitFor } from "../helpers/wait";

describe("WorkerProcess", () => {
  it("exposes the facts of a ready worker", async () => {
    const w = await startMock();
    expect(w.pid).toBeGreaterThan(0);
    expect(w.baseUrl).toBe(`http://127.0.0.1:${w.port}`);
    expect(w.command).toContain(`--port ${w.port}`);
    expect(w.command).toContain(`--worker-id ${w.workerId}`);
    expect(w.startupMs).toBeGreaterThan(0);
    expect(w.readyHealth).toMatchObject({ status: "healthy", resident: true });
  });

  it("retries on a fresh port when the port was taken between allocation and bind", async () => {
    const counter = join(dir, "attempts");
    const flaky = script(
      "flaky-port-worker",
      `#!/bin/sh\nn=$(cat "${counter}" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "${counter}"\n` +
        `if [ $n -lt 3 ]; then echo '{"level":"ERROR","message":"failed to bind: Address already in use (os error 98)"}' >&2; exit 1; fi\n` +
        `exec "${process.execPath}" "${MOCK_ENTRY}" "$@"\n`,
    );
    const w = await startMock({ binary: flaky, portAttempts: 3 });
    expect(await w.client.health()).toMatchObject({ status: "healthy" });
    expect(spawnSync("cat", [counter]).stdout.toString().trim()).toBe("3");
  });

  it("passes its environment and env on, but not FROST_TEMP/FROST_TOPK unless given in env", async () => {
    const envDump = script(
      "env-dump-worker",
      `#!/bin/sh\necho "FROST_TEMP=\${FROST_TEMP-unset} FROST_TOPK=\${FROST_TOPK-unset} MINE=\${MINE-unset}"\nexec "${process.execPath}" "${MOCK_ENTRY}" "$@"\n`,
    );
    process.env.FROST_TEMP = "0.1";
    process.env.FROST_TOPK = "5";
    process.env.MINE = "inherited";
    try {
      const plain = await startMock({ binary: envDump });
      expect(plain.logs.tail(50)).toContain("FROST_TEMP=unset FROST_TOPK=unset MINE=inherited");
      const explicit = await startMock({ binary: envDump, env: { FROST_TEMP: "0.7" } });
      expect(explicit.logs.tail(50)).toContain("FROST_TEMP=0.7 FROST_TOPK=unset MINE=inherited");
    } finally {
      delete process.env.FROST_TEMP;
      delete process.env.FROST_TOPK;
      delete process.env.MINE;
    }
  });

  it("gives up after the port attempts, saying the port was taken every time", async () => {
    const taken = script("always-taken", `#!/bin/sh\necho 'bind: EADDRINUSE' >&2\nexit 1\n`);
    const error = await startMock({ binary: taken, portAttempts: 2 }).catch((e) => e);
    expect(error).toBeInstanceOf(WorkerStartupError);
    expect(error.message).toMatch(/the port was taken on every attempt/);
  });

  it("says a missing binary was not found, with the command line", async () => {
    const error = await startMock({ binary: join(dir, "no-such-worker") }).catch((e) => e);
    expect(error.message).toMatch(/worker exited before it was ready/);
    expect(error.message).toMatch(/was not found \(set WORKER_ORCD_BIN/);
    expect(error.message).toContain(`command: ${join(dir, "no-such-worker")} --worker-id`);
  });

  it("says a binary that is not executable cannot run", async () => {
    const error = await startMock({ binary: script("not-exec", "#!/bin/sh\n", 0o644) }).catch((e) => e);
    expect(error.message).toMatch(/is not executable \(chmod \+x it\)/);
  });

  it("leaves nothing running after a startup timeout", async () => {
    const pids = join(dir, "hang-pids");
    const hang = script("hang", `#!/bin/sh\nsleep 30 & echo $$ $! > "${pids}"\ntrap '' TERM\nsleep 30\n`);
    const t0 = performance.now();
    const error = await startMock({ binary: hang, startupTimeoutMs: 300, shutdownGraceMs: 200 }).catch(
      (e) => e,
    );
    expect(error.message).toMatch(/not ready within 300 ms/);
    // The kill reaches the script's own sleep first or the script first: a shell whose child was killed
    // first reports "Killed" and exits 137 before its own SIGKILL lands. Both are the stop at the deadline.
    expect(error.message).toMatch(
      /process: stopped by worker-orcd-jest at the start-up deadline \(300 ms, startupTimeoutMs\); it then (was killed by signal SIGKILL|exited with code 137)/,
    );
    expect(performance.now() - t0).toBeLessThan(10_000); // at the deadline, not at the script's end (30 s)
    const [shell, child] = spawnSync("cat", [pids]).stdout.toString().trim().split(" ").map(Number);
    expect(isAlive(shell)).toBe(false);
    expect(isAlive(child)).toBe(false);
  });

  it("a watchdog ends the worker when its owner process dies without teardown", async () => {
    const { owner, pid } = await ownerOfWorker("mock");
    expect(isAlive(pid)).toBe(true);
    owner.kill("SIGKILL");
    // The orphaned worker's watchdog sees its owner gone and ends its group.
    await waitFor(() => !isAlive(-pid), "the orphaned worker's group to end");
    // The killed owner left its registry record; the next global setup's sweep finds nothing alive to end.
    expect(reapOrphans()).not.toContain(pid);
  });

  it("a watchdog whose release marker's folder is gone still ends the worker when its owner dies", async () => {
    const released = mkdtempSync(join(dir, "released-"));
    const { owner, pid } = await ownerOfWorker("mock", join(released, "marker"));
    expect(isAlive(pid)).toBe(true);
    rmSync(released, { recursive: true });
    owner.kill("SIGKILL");
    await waitFor(() => !isAlive(-pid), "the orphaned worker's group to end");
  });

  it("a watchdog whose owner dies also ends what left the worker's group, by its environment mark", async () => {
    const daemonPid = join(dir, "watched-daemon.pid");
    const { owner, pid } = await ownerOfWorker(daemonizingWorker(join(dir, "daemonizing-worker"), daemonPid));
    const daemon = Number(await waitFor(() => readIfThere(daemonPid), "the daemon's pid file"));
    expect(isAlive(daemon)).toBe(true);
    owner.kill("SIGKILL");
    await waitFor(() => !isAlive(-pid), "the orphaned worker's group to end");
    await waitFor(() => !isAlive(daemon), "the daemon that left the group to be ended by its mark");
  });
});

/** Live processes of this machine whose command line contains `needle`, with their parent. */
function processesWith(needle: string): { pid: number; ppid: number }[] {
  const found: { pid: number; ppid: number }[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/cmdline`, "latin1").replace(/\0/g, " ").includes(needle)) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, "latin1");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (fields[0] !== "Z") found.push({ pid: Number(entry), ppid: Number(fields[1]) });
    } catch {
      // gone
    }
  }
  return found;
}

describe("the watchdog launcher", () => {
  it("one launcher of this process starts every worker's watchdog (no fork of this process per worker), and it ends once no worker is left", async () => {
    const launchers = () => processesWith("worker-orcd-watchdogs").filter((p) => p.ppid === process.pid);
    const workers = await Promise.all([startMock(), startMock(), startMock()]);
    const watchdogOf = (pid: number) => processesWith(`worker-orcd-watchdog ${pid} `);
    for (const w of workers) await until(() => watchdogOf(w.pid).length === 1, 30_000);
    // Every watchdog is a child of one launcher, a child of this process (not a fork of this process per worker).
    // Another launcher of an earlier file's workers may still be ending beside it (Jest runs several files here).
    const parents = new Set(workers.map((w) => watchdogOf(w.pid)[0].ppid));
    expect(parents.size).toBe(1);
    const [launcher] = parents;
    expect(launchers().map((p) => p.pid)).toContain(launcher);
    await stopAllMocks();
    await until(() => !launchers().some((p) => p.pid === launcher), 30_000);
    for (const w of workers) await until(() => watchdogOf(w.pid).length === 0, 30_000);
  });

  it("a launcher killed from outside is replaced: a worker started after it still gets a watchdog that ends it when its owner dies", async () => {
    const owner = spawn(
      process.execPath,
      [
        "-e",
        `const { WorkerProcess } = require(${JSON.stringify(join(__dirname, "..", "..", "dist", "worker", "worker-process.js"))});
         const opts = { binary: "mock", model: "mock", gpuDevice: 0, shutdownGraceMs: 300 };
         WorkerProcess.start(opts).then((w) => console.log("FIRST " + w.pid));
         process.stdin.once("data", () => WorkerProcess.start(opts).then((w) => console.log("SECOND " + w.pid)));`,
      ],
      { stdio: ["pipe", "pipe", "inherit"] },
    );
    let out = "";
    owner.stdout!.on("data", (d) => (out += d));
    await until(() => /FIRST (\d+)/.test(out), 30_000);
    const first = Number(/FIRST (\d+)/.exec(out)![1]);
    const launcher = processesWith("worker-orcd-watchdogs").find((p) => p.ppid === owner.pid)!;
    expect(launcher).toBeDefined();
    process.kill(launcher.pid, "SIGKILL");
    await until(() => !isAlive(launcher.pid), 30_000);
    owner.stdin!.write("go\n");
    await until(() => /SECOND (\d+)/.test(out), 30_000);
    const second = Number(/SECOND (\d+)/.exec(out)![1]);
    await until(() => processesWith(`worker-orcd-watchdog ${second} `).length === 1, 30_000);
    owner.kill("SIGKILL");
    await until(() => !isAlive(-first) && !isAlive(-second), 30_000);
    expect(reapOrphans()).toEqual([]); // nothing left alive for the next global setup; the records are cleared
  }, 30_000);
});

describe("orphan registry", () => {
  it("ends a recorded worker whose owner is gone, and leaves others alone", async () => {
    process.env.WORKER_ORCD_JEST_REGISTRY = join(dir, "registry");
    try {
      const [orphanMark, ownedMark] = [randomUUID(), randomUUID()];
      const marked = (mark: string) => ({
        detached: true,
        stdio: "ignore" as const,
        env: { ...process.env, [MARK_VAR]: mark },
      });
      const orphan = spawn("sleep", ["30"], marked(orphanMark));
      const owned = spawn("sleep", ["30"], marked(ownedMark));
      await Promise.all([execed(orphan.pid!, "sleep 30"), execed(owned.pid!, "sleep 30")]);
      const cmd = (pid: number) =>
        spawnSync("cat", [`/proc/${pid}/cmdline`])
          .stdout.toString()
          .replace(/\0/g, " ")
          .trim();
      recordWorker({
        pid: orphan.pid!,
        ownerPid: 999_999_999,
        command: cmd(orphan.pid!),
        startedAt: "",
        mark: orphanMark,
      });
      recordWorker({
        pid: owned.pid!,
        ownerPid: process.pid,
        command: cmd(owned.pid!),
        startedAt: "",
        mark: ownedMark,
      });
      expect(registryDir()).toBe(join(dir, "registry"));
      expect(reapOrphans()).toEqual([orphan.pid]);
      await waitFor(() => !isAlive(orphan.pid!), "the orphan to end");
      expect(isAlive(owned.pid!)).toBe(true);
      owned.kill("SIGKILL");
    } finally {
      delete process.env.WORKER_ORCD_JEST_REGISTRY;
    }
  });
});

/** A process of its own that starts a worker of `binary` (and stays, with no teardown); resolves with both pids. */
async function ownerOfWorker(
  binary: string,
  releasePath?: string,
): Promise<{ owner: ChildProcess; pid: number }> {
  const owner = spawn(
    process.execPath,
    [
      "-e",
      `const { WorkerProcess } = require(${JSON.stringify(join(__dirname, "..", "..", "dist", "worker", "worker-process.js"))});
       WorkerProcess.start({ binary: ${JSON.stringify(binary)}, model: "mock", gpuDevice: 0, shutdownGraceMs: 300${releasePath ? `, releasePath: ${JSON.stringify(releasePath)}` : ""} })
         .then((w) => console.log("PID " + w.pid));`,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const pid = await new Promise<number>((resolve) => {
    owner.stdout!.on("data", (d) => {
      const m = /PID (\d+)/.exec(String(d));
      if (m) resolve(Number(m[1]));
    });
  });
  return { owner, pid };
}

/** A file's text, or "" while it is not there (yet). */
function readIfThere(path: string): string {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return "";
  }
}
