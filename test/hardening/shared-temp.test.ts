import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import { identityKey, identityOf } from "../../src/scope/identity";
import { sweep } from "../../src/scope/pool/janitor";
import { WorkerPool } from "../../src/scope/pool/pool";
import { ensurePool, listPool, type PoolRecord, putIdle } from "../../src/scope/pool/store";
import { workersMain } from "../../src/scope/pool/workers-cli";
import { createExclusive } from "../../src/util/user-dir";
import { isAlive, processStamp } from "../../src/worker/processes";
import { openRegistry, reapOrphans } from "../../src/worker/registry";
import { WorkerProcess } from "../../src/worker/worker-process";
import { FixtureProject, REPO } from "../helpers/jest-run";
import { createOtherUser, type OtherUser, sharedTmp } from "../helpers/other-user";
import { sleep, waitFor } from "../helpers/wait";

const NOBODY = 999_999_999;
const mode = (path: string) => statSync(path).mode & 0o7777;

const children: ChildProcess[] = [];
const folders: string[] = [];
/** A process of this (the owner's) user that nothing should end: `sleep 60` in a group of its own. */
function victim(): number {
  const child = spawn("sleep", ["60"], { detached: true, stdio: "ignore" });
  children.push(child);
  return child.pid!;
}
function ownFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), "wojest-own-"));
  folders.push(dir);
  return dir;
}
afterAll(() => {
  for (const c of children) c.kill("SIGKILL");
  for (const d of folders) rmSync(d, { recursive: true, force: true });
});

/**
 * Runs `script` in a Node process of the owner's with TMPDIR `dir` (a run in
 * a shared /tmp): `pkg(path)` requires the built package's module; what it
 * prints comes back. (The test realm's TMPDIR is Jest's copy: os.tmpdir()
 * does not see it, so the owner's side runs as a process of its own.)
 */
function owner(dir: string, script: string): string {
  const prelude = `const pkg = (p) => require(${JSON.stringify(join(REPO, "dist"))} + "/" + p);`;
  const r = spawnSync(
    process.execPath,
    [
      "-e",
      `${prelude}\n(async () => {\n${script}\n})().catch((e) => console.log(e.name + ": " + e.message));`,
    ],
    {
      env: { ...process.env, TMPDIR: dir },
      encoding: "utf8",
      timeout: 30_000,
    },
  );
  return `${r.stdout}${r.stderr}`;
}

/** A pool record of the package's own shape, for a process it did not start. */
function plantedRecord(pid: number, port: number, extra: Partial<PoolRecord> = {}): PoolRecord {
  return {
    id: randomUUID().slice(0, 8),
    pid,
    stamp: processStamp(pid),
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    workerId: randomUUID(),
    mark: randomUUID(),
    command: "planted",
    identity: identityOf({ binary: "mock", model: "mock", gpuDevice: 0 }),
    key: "0000000000000000",
    startedAt: new Date().toISOString(),
    startupMs: 1,
    idleSince: 0,
    idleMs: 1,
    graceMs: 500,
    stdout: "",
    stderr: "",
    uses: 0,
    ...extra,
  };
}

describe("records in the package's own folders name only what the package can prove it started", () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env.WORKER_ORCD_JEST_REGISTRY = saved.WORKER_ORCD_JEST_REGISTRY;
    if (saved.WORKER_ORCD_JEST_REGISTRY === undefined) delete process.env.WORKER_ORCD_JEST_REGISTRY;
  });

  it("the orphan sweep ends no process that does not carry the worker's mark, and never a pid of 0, 1 or a group", async () => {
    process.env.WORKER_ORCD_JEST_REGISTRY = join(ownFolder(), "registry");
    const v = victim();
    await sleep(50);
    const dir = openRegistry();
    for (const pid of [v, 1, 0, -v])
      writeFileSync(
        join(dir, `${pid}.json`),
        JSON.stringify({ pid, ownerPid: NOBODY, command: "sleep 60", startedAt: "", mark: randomUUID() }),
      );
    writeFileSync(join(dir, `${v}x.json`), "{}");
    expect(reapOrphans()).toEqual([]);
    await sleep(100);
    expect(isAlive(v)).toBe(true);
    expect(existsSync(join(dir, `${v}.json`))).toBe(false); // a record that names no worker of ours is removed
  });

  it("the janitor and `workers stop` end no process a record names without proof, and delete no file outside the pool", async () => {
    const dir = join(ownFolder(), "pool");
    ensurePool(dir);
    const v = victim();
    await sleep(50);
    const precious = join(ownFolder(), "precious.txt");
    writeFileSync(precious, "keep me");
    putIdle(dir, plantedRecord(v, 1, { stdout: precious, stderr: precious }));
    putIdle(dir, plantedRecord(NOBODY, 2, { stdout: precious, stderr: precious }));
    const stopped = plantedRecord(v, 3, { idleSince: Date.now(), idleMs: 60_000 });
    putIdle(dir, stopped);
    const out: string[] = [];
    const sink = { write: (s: string) => out.push(s) } as unknown as NodeJS.WritableStream;
    expect(await workersMain(["stop", stopped.id], sink, sink, dir)).toBe(0);
    await sweep(dir);
    await sleep(100);
    expect(isAlive(v)).toBe(true);
    expect(readFileSync(precious, "utf8")).toBe("keep me");
    expect(listPool(dir)).toEqual([]); // the records went, and nothing they named
  });
});

// Another local user acts through a world-writable sticky TMPDIR, as /tmp is: items that need a second user.
const other: OtherUser | string = createOtherUser();
const describeOther = typeof other === "string" ? describe.skip : describe;
if (typeof other === "string")
  process.stderr.write(`shared-temp.test.ts: the tests with a second local user are skipped: ${other}\n`);

describeOther("another local user, through the shared temporary folder", () => {
  const user = other as OtherUser;
  const shared: Array<{ remove: () => void }> = [];
  const tmp = () => {
    const t = sharedTmp();
    shared.push(t);
    return t.dir;
  };
  const root = (dir: string) => join(dir, `worker-orcd-jest-${process.getuid!()}`);
  const as = (script: string) => {
    const r = user.sh(script);
    if (r.status !== 0) throw new Error(`as ${user.name}: ${script}: ${r.stderr}`);
    return r.stdout;
  };
  beforeAll(() => {
    delete process.env.WORKER_ORCD_JEST_REGISTRY;
    delete process.env.WORKER_ORCD_JEST_POOL;
    delete process.env.WORKER_ORCD_JEST_MODELS;
  });
  afterAll(() => {
    for (const t of shared) t.remove();
    user.remove();
  });

  it("cannot end the owner's processes through a planted registry: the run stops, naming the folder, its owner and the fix", async () => {
    const dir = tmp();
    const v = victim();
    const record = JSON.stringify({
      pid: v,
      ownerPid: NOBODY,
      command: "sleep 60",
      startedAt: "",
      mark: randomUUID(),
    });
    as(`mkdir -p ${root(dir)}/workers && printf '%s' '${record}' > ${root(dir)}/workers/${v}.json`);
    const p = new FixtureProject();
    folders.push(p.dir);
    p.write("x.test.js", `test("x", () => {});`);
    const run = await p.run([], { TMPDIR: dir });
    expect(run.out).toMatch(
      new RegExp(
        `the state folder ${root(dir)} \\(owner uid ${user.uid} \\(${user.name}\\), mode 0\\d+\\) is not safe to use: it belongs to another user`,
      ),
    );
    expect(run.out).toMatch(
      /Remove it \(as its owner or root\), or point TMPDIR .* at a folder only you can write/,
    );
    expect(run.out).not.toMatch(/ended \d+ worker\(s\) left alive/);
    expect(run.code).toBe(1);
    expect(isAlive(v)).toBe(true);
    expect(lstatSync(root(dir)).uid).toBe(user.uid); // left as it was: not taken over, not "fixed"
  }, 60_000);

  it("cannot make the owner's run write through a link, and cannot read what it records", async () => {
    const dir = tmp();
    const target = ownFolder();
    as(`ln -s ${target} ${root(dir)}`);
    const record = (pid: number) =>
      `pkg("worker/registry.js").recordWorker({ pid: ${pid}, ownerPid: process.pid, command: "x", startedAt: "", mark: "${randomUUID()}" });`;
    const linked = owner(dir, `${record(victim())}\npkg("worker/registry.js").openRegistry();`);
    expect(linked).toMatch(
      /UnsafeFolderError: the state folder .* is not safe to use: it is a symbolic link/,
    );
    expect(existsSync(join(target, "workers"))).toBe(false);
    // In a folder of the owner's own, the records are the owner's alone.
    const fresh = tmp();
    const pid = victim();
    expect(owner(fresh, record(pid))).toBe("");
    expect(mode(root(fresh))).toBe(0o700);
    expect(mode(join(root(fresh), "workers"))).toBe(0o700);
    expect(mode(join(root(fresh), "workers", `${pid}.json`))).toBe(0o600);
    expect(user.sh(`cat ${root(fresh)}/workers/${pid}.json`).status).not.toBe(0);
    // A file is created exclusively: a link planted at its name is not followed.
    const link = join(target, "planted");
    const aim = join(target, "aim.txt");
    writeFileSync(aim, "unchanged");
    symlinkSync(aim, link);
    expect(() => createExclusive(link, "written")).toThrow(/EEXIST/);
    expect(readFileSync(aim, "utf8")).toBe("unchanged");
  });

  it("cannot hand the owner a server of its own through the reuse pool", async () => {
    // A pool folder the other user made first (open to all, their idle record in it) is refused, and left theirs.
    const dir = tmp();
    as(`mkdir -p ${root(dir)}/pool/idle && chmod -R 777 ${root(dir)}`);
    const options = { binary: "mock", model: "mock", gpuDevice: 0 };
    const taken = owner(
      dir,
      `const { WorkerPool } = pkg("scope/pool/pool.js");
await new WorkerPool().acquire(${JSON.stringify(options)}, { idleMs: 60000 }, async () => {
  console.log("STARTED");
  throw new Error("not wanted");
});`,
    );
    expect(taken).toMatch(
      new RegExp(
        `UnsafeFolderError: the state folder ${root(dir)} \\(owner uid ${user.uid} .*\\) is not safe to use`,
      ),
    );
    expect(taken).not.toMatch(/STARTED/);
    expect(lstatSync(root(dir)).uid).toBe(user.uid);
    expect(mode(root(dir))).toBe(0o777);

    // A record of the right identity in the owner's own pool, naming the other user's server, is not taken.
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const { port } = s.address() as { port: number };
        s.close(() => resolve(port));
      });
    });
    const health = JSON.stringify({ status: "healthy", resident: true });
    const serverPid = Number(
      as(
        `${process.execPath} -e 'require("http").createServer((q,s)=>{s.setHeader("content-type","application/json");s.end(process.argv[1])}).listen(${port},"127.0.0.1")' '${health}' >/dev/null 2>&1 & echo $!`,
      ).trim(),
    );
    await waitFor(
      () =>
        fetch(`http://127.0.0.1:${port}/`).then(
          () => true,
          () => false,
        ),
      "the other user's server to listen",
    );
    const poolDir = join(ownFolder(), "pool");
    ensurePool(poolDir);
    const identity = identityOf(options);
    putIdle(
      poolDir,
      plantedRecord(serverPid, port, {
        identity,
        key: identityKey(identity),
        idleSince: Date.now(),
        idleMs: 60_000,
      }),
    );
    const pool = new WorkerPool(poolDir);
    const got = await pool.acquire(options, { idleMs: 60_000 }, (extra) =>
      WorkerProcess.start({ ...options, ...extra, startupTimeoutMs: 10_000, shutdownGraceMs: 500 }),
    );
    try {
      expect(got.pooled).toBe(false);
      expect(got.worker.baseUrl).not.toBe(`http://127.0.0.1:${port}`);
      expect(isAlive(serverPid)).toBe(true); // not ours to stop either
    } finally {
      pool.forget(got.worker);
      await got.worker.stop();
    }
  }, 30_000);

  it("cannot feed the owner's llama run a model of its own", async () => {
    const dir = tmp();
    as(
      `mkdir -p ${root(dir)}/models && printf 'GGUF' > ${root(dir)}/models/random-seed-0.v1.gguf && chmod -R 777 ${root(dir)}`,
    );
    const model = 'console.log("MODEL " + pkg("gguf/default-model.js").writtenDefaultModel());';
    expect(owner(dir, model)).toMatch(
      new RegExp(
        `UnsafeFolderError: the state folder ${root(dir)} .* is not safe to use: it belongs to another user`,
      ),
    );
    // A models folder inside the owner's own state folder that others may write to is refused too.
    const mine = tmp();
    mkdirSync(join(root(mine), "models"), { recursive: true, mode: 0o700 });
    chmodSync(root(mine), 0o700);
    chmodSync(join(root(mine), "models"), 0o777);
    expect(owner(mine, model)).toMatch(
      /state folder .*\/models \(owner uid 0 .*mode 0777\) is not safe to use: others can write to it/,
    );
    // Where the folder is the owner's alone, the model is written there, mode 0600, and not readable by others.
    const good = tmp();
    expect(owner(good, model)).toBe(`MODEL ${join(root(good), "models", "random-seed-0.v1.gguf")}\n`);
    expect(mode(join(root(good), "models", "random-seed-0.v1.gguf"))).toBe(0o600);
  });
});
