/** Fails the run when the suite left a temp entry or a process behind (see global-setup.js). */
const { readdirSync, readFileSync, rmSync, statSync } = require("node:fs");
const { join } = require("node:path");

function markedProcesses(mark) {
  const found = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (!readFileSync(`/proc/${entry}/environ`, "latin1").includes(`WOJEST_SUITE_MARK=${mark}`)) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, "latin1");
      if (/\) Z /.test(stat)) continue;
      const cmd = readFileSync(`/proc/${entry}/cmdline`, "latin1").replace(/\0/g, " ").trim();
      // Where it came from, to find the test that left it: its parent and its working folder.
      const ppid = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1];
      let from = `parent ${ppid}`;
      try {
        from += ` ${readFileSync(`/proc/${ppid}/cmdline`, "latin1").replace(/\0/g, " ").trim().slice(0, 80)}`;
      } catch {}
      try {
        from += `; cwd ${require("node:fs").readlinkSync(`/proc/${entry}/cwd`)}`;
      } catch {}
      found.push(`${entry} ${cmd.slice(0, 160)} (${from})`);
    } catch {
      // gone
    }
  }
  return found;
}

/**
 * Entries under dir, except the per-user worker registry when it holds no
 * record, and the transform caches of the Jest runs the tests start (jest_<uid>).
 */
function leftovers(dir) {
  const left = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (/^jest_\w+$/.test(name)) continue;
    if (/^worker-orcd-jest-\d+$/.test(name) && statSync(path).isDirectory()) {
      const records = readdirSync(join(path, "workers"), { withFileTypes: true }).filter((e) =>
        e.name.endsWith(".json"),
      );
      for (const r of records) left.push(join(path, "workers", r.name));
      continue;
    }
    left.push(path);
  }
  return left;
}

module.exports = async function suiteTeardown() {
  // Each project of the suite's config runs this: the first one checks and cleans up for the whole run.
  if (!process.env.WOJEST_SUITE_MARK) return;
  const dir = process.env.TMPDIR;
  const mark = process.env.WOJEST_SUITE_MARK;
  const deadline = Date.now() + 5000;
  let processes = markedProcesses(mark);
  while (processes.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    processes = markedProcesses(mark);
  }
  let files = [];
  try {
    files = leftovers(dir);
  } catch {
    files = [];
  }
  rmSync(dir, { recursive: true, force: true });
  delete process.env.WOJEST_SUITE_MARK;
  process.env.TMPDIR = process.env.WOJEST_SUITE_OUTER_TMPDIR || undefined;
  if (!process.env.TMPDIR) delete process.env.TMPDIR;
  if (processes.length > 0 || files.length > 0) {
    for (const p of processes) {
      try {
        process.kill(Number(p.split(" ")[0]), "SIGKILL");
      } catch {}
    }
    throw new Error(
      "the test suite left things behind (each test must clean up after itself):\n" +
        processes.map((p) => `  process ${p}`).join("\n") +
        (processes.length && files.length ? "\n" : "") +
        files.map((f) => `  temp entry ${f}`).join("\n"),
    );
  }
  const took = Math.round((Date.now() - Number(process.env.WOJEST_SUITE_STARTED)) / 1000);
  const { cpus } = require("node:os");
  process.stdout.write(
    `worker-orcd-jest suite: no temp entry and no process left behind; the suite took ${took} s on ${cpus().length} x ${cpus()[0].model} (budget: 600 s)\n`,
  );
};
