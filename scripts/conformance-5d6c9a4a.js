#!/usr/bin/env node
/**
 * The conformance fixture of build 5d6c9a4a, measured from the real binary:
 *
 *   npm run build && node scripts/conformance-5d6c9a4a.js [--write] [--bin <worker-orcd>] [--model <gguf>]
 *
 * (defaults: ../shared/real-worker/worker-orcd and its tiny.gguf). Two passes, because the real build's
 * GPU is a CPU stand-in whose speed is not the worker's: the timing clauses (TIMING-*) run on the stand-in
 * as it is, every other clause with FAKE_GPU_TOKEN_DELAY_MS=30 so that a job lasts long enough to be seen
 * running (the stand-in ends a job in milliseconds otherwise). Prints each clause's verdict beside the
 * fixture's; --write puts the measured verdicts into test/fixtures/conformance-5d6c9a4a.json (the source
 * citations stay as reviewed). Exit 1 when they differ (without --write).
 */
const { readFileSync, writeFileSync } = require("node:fs");
const { join, resolve } = require("node:path");

const ROOT = join(__dirname, "..");
const FIXTURE = join(ROOT, "test", "fixtures", "conformance-5d6c9a4a.json");
/** The stand-in's delay per token for the clauses that need a job to last (1.5 s for its longest job). */
const SLOW_TOKEN_MS = "30";

/** Runs every clause against a real build in the two passes above; resolves to { verdicts, evidence }. */
async function measureRealBuild(binary, model) {
  const { runConformance } = require(join(ROOT, "dist", "conformance", "run.js"));
  const { CLAUSES } = require(join(ROOT, "dist", "conformance", "clauses.js"));
  const timing = CLAUSES.filter((c) => c.id.startsWith("TIMING-")).map((c) => c.id);
  const other = CLAUSES.filter((c) => !c.id.startsWith("TIMING-")).map((c) => c.id);
  const base = { binary, model, gpuDevice: 0 };
  const slow = await runConformance({ ...base, only: other, start: { env: { FAKE_GPU_TOKEN_DELAY_MS: SLOW_TOKEN_MS } } });
  const fast = await runConformance({ ...base, only: timing });
  const byId = new Map([...slow.clauses, ...fast.clauses].map((c) => [c.id, c]));
  const ordered = CLAUSES.map((c) => byId.get(c.id));
  return {
    verdicts: Object.fromEntries(ordered.map((c) => [c.id, c.verdict])),
    evidence: Object.fromEntries(ordered.map((c) => [c.id, c.evidence])),
  };
}

async function main(argv) {
  const arg = (name, fallback) => {
    const at = argv.indexOf(name);
    return at >= 0 ? argv[at + 1] : fallback;
  };
  const binary = resolve(arg("--bin", join(ROOT, "..", "shared", "real-worker", "worker-orcd")));
  const model = resolve(arg("--model", join(ROOT, "..", "shared", "real-worker", "tiny.gguf")));
  const measured = await measureRealBuild(binary, model);
  const fixture = JSON.parse(readFileSync(FIXTURE, "utf8"));
  let differ = 0;
  for (const [id, verdict] of Object.entries(measured.verdicts)) {
    const want = fixture.clauses[id]?.verdict;
    if (want !== verdict) differ++;
    process.stdout.write(`${id.padEnd(24)} ${verdict.padEnd(5)} ${want === verdict ? "=" : `!= fixture ${want}`}  ${measured.evidence[id].slice(0, 100)}\n`);
  }
  if (argv.includes("--write")) {
    for (const [id, verdict] of Object.entries(measured.verdicts))
      fixture.clauses[id] = { ...fixture.clauses[id], verdict };
    fixture.measured = `verdicts measured from ${binary} by scripts/conformance-5d6c9a4a.js`;
    writeFileSync(FIXTURE, `${JSON.stringify(fixture, null, 2)}\n`);
    process.stdout.write(`wrote ${FIXTURE}\n`);
    return 0;
  }
  process.stdout.write(differ === 0 ? "the real build scores exactly the fixture\n" : `${differ} clause(s) differ\n`);
  return differ === 0 ? 0 : 1;
}

module.exports = { measureRealBuild };

if (require.main === module)
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error) => {
      process.stderr.write(`${error.stack ?? error}\n`);
      process.exit(2);
    },
  );
