import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "@jest/globals";
import globalSetup from "../../src/jest/global-setup";
import globalTeardown from "../../src/jest/global-teardown";
import { readState, removeStaleRuns, STATE_VAR, writeState } from "../../src/run/state";
import { isAlive, MARK_VAR, markedProcesses } from "../../src/worker/processes";
import { reapOrphans, recordWorker } from "../../src/worker/registry";
import { daemonizingWorker, startMock, stopAllMocks } from "../helpers/mock";
import { waitFor } from "../helpers/wait";

const dir = mkdtempSync(join(tmpdir(), "wojest-proc-"));
afterAll(async () => {
  await stopAllMocks();
  rmSync(dir, { recursive: true, force: true });
});
const NOBODY = 999_999_999; // a pid that is never alive

/** Starts a detached process group whose leader exits at once, leaving a SIGTERM-ignoring member; returns [leader, member]. */
async function orphanedGroup(mark: string): Promise<[number, number]> {
  const leader = spawn("/bin/sh", ["-c", `sh -c 'trap "" TERM; sleep 30' & echo $!; exit 0`], {
    detached: true,
    env: { ...process.env, [MARK_VAR]: mark },
    stdio: ["ignore", "pipe", "ignore"],
  });
  // Listened for from the spawn on: on a loaded machine the leader can exit before its output is read.
  const exited = new Promise((r) => leader.once("exit", r));
  const member = await new Promise<number>((resolve) =>
    leader.stdout!.once("data", (d) => resolve(Number(d))),
  );
  await exited;
  return [leader.pid!, member];
}

describe("the reaper", () => {
  it("ends a recorded group whose leader has exited while a member lives on", async () => {
    process.env.WORKER_ORCD_JEST_REGISTRY = join(dir, "registry");
    try {
      const mark = randomUUID();
      const [leader, member] = await orphanedGroup(mark);
      expect(isAlive(leader)).toBe(false);
      expect(isAlive(member)).toBe(true);
      recordWorker({ pid: leader, ownerPid: NOBODY, command: "sh -c ...", startedAt: "", mark });
      expect(reapOrphans()).toEqual([leader]);
      await waitFor(() => !isAlive(member), "the group's member to end");
    } finally {
      delete process.env.WORKER_ORCD_JEST_REGISTRY;
    }
  });
});

describe("a worker that double-forks a setsid daemon", () => {
  it("is caught by its environment mark when the worker stops", async () => {
    const pidFile = join(dir, "daemon.pid");
    const w = await startMock({ binary: daemonizingWorker(join(dir, "daemonizing-worker"), pidFile) });
    await waitFor(() => existsSync(pidFile), "the daemon's pid file");
    const daemon = Number(require("node:fs").readFileSync(pidFile, "utf8"));
    expect(isAlive(daemon)).toBe(true);
    expect(markedProcesses(w.mark)).toContain(daemon);
    await w.stop();
    await waitFor(() => !isAlive(daemon), "the daemon to end");
  });
});

describe("state files and run folders", () => {
  const config = (root: string) =>
    ({ rootDir: root, id: "p", testEnvironmentOptions: {} }) as unknown as Parameters<typeof globalSetup>[1];

  it("a nested run makes its own state file and leaves the outer run's alone", async () => {
    const saved = process.env[STATE_VAR];
    const savedPath = process.env.PATH;
    process.env.PATH = "/nonexistent";
    try {
      // The outer run's file, as a Jest process that is not this one wrote it.
      const outerDir = mkdtempSync(join(tmpdir(), `worker-orcd-jest-run-${process.ppid}-`));
      const outer = join(outerDir, "state.json");
      writeFileSync(outer, JSON.stringify({ gpu: { gpus: [] }, configOptions: {}, ownerPid: process.ppid }));
      process.env[STATE_VAR] = outer;
      await globalSetup({ silent: true } as Parameters<typeof globalSetup>[0], config(dir));
      const inner = process.env[STATE_VAR]!;
      expect(inner).not.toBe(outer);
      expect(readState()?.ownerPid).toBe(process.pid);
      await globalTeardown();
      expect(existsSync(dirname(inner))).toBe(false);
      expect(existsSync(outer)).toBe(true);
      // An inner process that only inherited the variable removes nothing.
      process.env[STATE_VAR] = outer;
      await globalTeardown();
      expect(existsSync(outer)).toBe(true);
      rmSync(outerDir, { recursive: true, force: true });
    } finally {
      process.env.PATH = savedPath;
      if (saved === undefined) delete process.env[STATE_VAR];
      else process.env[STATE_VAR] = saved;
    }
  });

  it("global setup removes the run folders of runs that are gone, and only those", () => {
    const tmp = join(dir, "tmp");
    mkdirSync(join(tmp, `worker-orcd-jest-run-${NOBODY}-aaaaaa`), { recursive: true });
    mkdirSync(join(tmp, `worker-orcd-jest-run-${process.pid}-bbbbbb`), { recursive: true });
    mkdirSync(join(tmp, "worker-orcd-jest-run-cccccc"), { recursive: true });
    expect(removeStaleRuns(tmp)).toBe(1);
    expect(existsSync(join(tmp, `worker-orcd-jest-run-${NOBODY}-aaaaaa`))).toBe(false);
    expect(existsSync(join(tmp, `worker-orcd-jest-run-${process.pid}-bbbbbb`))).toBe(true);
    expect(existsSync(join(tmp, "worker-orcd-jest-run-cccccc"))).toBe(true);
    const path = writeState({ gpu: { gpus: [] }, configOptions: {} });
    expect(path).toContain(`worker-orcd-jest-run-${process.pid}-`);
    rmSync(dirname(path), { recursive: true, force: true });
  });
});
