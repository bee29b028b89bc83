import { basename } from "node:path";
import { parseCommand, usageError } from "../../util/command-line";
import { didYouMean } from "../../util/suggest";
import { killMarked, residentBytes } from "../../worker/processes";
import { stopGroupOf } from "../../worker/stop-tree";
import {
  claim,
  drop,
  ensurePool,
  holderAlive,
  listPool,
  type PoolEntry,
  poolDir,
  workerAlive,
} from "./store";

export const WORKERS_USAGE = `usage: worker-orcd-jest workers [--json]
       worker-orcd-jest workers stop <id>... | --all [--force]
  Lists the warm workers of the reuse pool (reuse: true) of this user: id, state, pid, port, age, idle
  time, memory, and what they were started as; or stops them with their whole process group. A worker
  in use by a running Jest run is only stopped with --force. The pool: WORKER_ORCD_JEST_POOL, else a
  folder of this user under the temporary folder.
  Exit 0: done; 1: a worker named was not found (or was in use, without --force); 2: bad arguments.`;

const COMMAND = { name: "worker-orcd-jest workers", usage: WORKERS_USAGE };

const ago = (ms: number) =>
  ms < 60_000
    ? `${Math.round(ms / 1000)}s`
    : ms < 3_600_000
      ? `${Math.round(ms / 60_000)}m`
      : `${(ms / 3_600_000).toFixed(1)}h`;

/** One row of `workers`: what the pool knows of a worker, and what its process says now. */
export interface WorkerRow {
  id: string;
  state: "idle" | "in use" | "gone";
  holder?: number;
  pid: number;
  port: number;
  ageMs: number;
  idleMs?: number;
  expiresInMs?: number;
  rssBytes?: number;
  binary: string;
  model: string;
  device: number;
  mode: string;
  uses: number;
}

function rowOf(entry: PoolEntry): WorkerRow {
  const { record } = entry;
  const alive = workerAlive(record);
  const idle = entry.state === "idle" ? Date.now() - record.idleSince : undefined;
  return {
    id: record.id,
    state: !alive ? "gone" : entry.state === "idle" ? "idle" : "in use",
    ...(entry.holder ? { holder: entry.holder.pid } : {}),
    pid: record.pid,
    port: record.port,
    ageMs: Date.now() - Date.parse(record.startedAt),
    ...(idle !== undefined ? { idleMs: idle, expiresInMs: Math.max(0, record.idleMs - idle) } : {}),
    rssBytes: alive ? residentBytes(record.pid) : undefined,
    binary: record.identity.binary,
    model: record.identity.model,
    device: record.identity.device,
    mode: record.identity.mode,
    uses: record.uses,
  };
}

/** The rows of `workers`, for the pool at `dir`. */
export function workerRows(dir = poolDir()): WorkerRow[] {
  return listPool(dir)
    .map(rowOf)
    .sort((a, b) => a.id.localeCompare(b.id));
}

function table(rows: WorkerRow[]): string {
  const head = [
    "ID",
    "STATE",
    "PID",
    "PORT",
    "AGE",
    "IDLE",
    "EXPIRES",
    "RSS",
    "MODE",
    "DEVICE",
    "USES",
    "MODEL",
  ];
  const cells = rows.map((r) => [
    r.id,
    r.state === "in use" ? `in use (run ${r.holder ?? "?"})` : r.state,
    String(r.pid),
    String(r.port),
    ago(r.ageMs),
    r.idleMs === undefined ? "-" : ago(r.idleMs),
    r.expiresInMs === undefined ? "-" : `in ${ago(r.expiresInMs)}`,
    r.rssBytes === undefined ? "-" : `${Math.round(r.rssBytes / 2 ** 20)} MiB`,
    r.mode,
    String(r.device),
    String(r.uses),
    r.model === "mock" ? "mock" : basename(r.model),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  return [head, ...cells]
    .map((row) =>
      row
        .map((c, i) => c.padEnd(widths[i]))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** Stops one pooled worker (its group, then what carries its mark) and removes its record. */
async function stopEntry(dir: string, entry: PoolEntry, force: boolean): Promise<"stopped" | "in use"> {
  let mine: PoolEntry | undefined;
  if (entry.state === "idle") mine = claim(dir, entry);
  else if (force || !entry.holder || !holderAlive(entry.holder)) mine = entry;
  if (!mine) return "in use";
  const { record } = mine;
  if (workerAlive(record)) await stopGroupOf(record.pid, record.graceMs);
  killMarked(record.mark);
  drop(mine);
  return "stopped";
}

/** `worker-orcd-jest workers ...`; resolves to the exit code. */
export async function workersMain(
  argv: string[],
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
  dir = poolDir(),
): Promise<number> {
  const parsed = parseCommand(
    COMMAND,
    argv,
    { json: { type: "boolean" }, all: { type: "boolean" }, force: { type: "boolean" } },
    { allowPositionals: true, io: { out, err } },
  );
  if (typeof parsed === "number") return parsed;
  const { values, positionals } = parsed;
  const [sub, ...ids] = positionals;
  try {
    ensurePool(dir);
  } catch (error) {
    err.write(`worker-orcd-jest workers: ${(error as Error).message}\n`);
    return 2;
  }
  if (sub === undefined || sub === "list") {
    const rows = workerRows(dir);
    if (values.json) out.write(`${JSON.stringify(rows, null, 2)}\n`);
    else out.write(rows.length === 0 ? `no pooled workers (pool: ${dir})\n` : `${table(rows)}\n`);
    return 0;
  }
  if (sub !== "stop")
    return usageError(
      COMMAND,
      `unknown subcommand ${JSON.stringify(sub)}${didYouMean(sub, ["list", "stop"])}`,
      { out, err },
    );
  if ((ids.length === 0) === !values.all)
    return usageError(
      { ...COMMAND, name: `${COMMAND.name} stop` },
      `give worker ids or --all, not ${ids.length === 0 ? "neither" : "both"}`,
      { out, err },
    );
  const entries = listPool(dir);
  let code = 0;
  for (const id of values.all ? entries.map((e) => e.record.id) : ids) {
    const entry = entries.find((e) => e.record.id === id);
    if (!entry) {
      err.write(
        `worker-orcd-jest workers stop: no pooled worker ${JSON.stringify(id)} (see: worker-orcd-jest workers)\n`,
      );
      code = 1;
      continue;
    }
    const done = await stopEntry(dir, entry, values.force === true);
    if (done === "in use") {
      err.write(
        `worker-orcd-jest workers stop: ${id} is in use by the Jest run of pid ${entry.holder?.pid}; left running (add --force to stop it anyway)\n`,
      );
      code = 1;
    } else out.write(`stopped ${id} (pid ${entry.record.pid})\n`);
  }
  return code;
}
