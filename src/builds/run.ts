import { type Fingerprint, fingerprintOf } from "../checks/fingerprint";
import { detectGpus } from "../checks/gpu";
import { WorkerClient } from "../client/worker-client";
import { partingIndex, tokensAround } from "../matchers/parting";
import { isIdle } from "../protocol/health";
import { type MedianChange, medianChange } from "../util/distribution";
import { percentiles } from "../util/percentiles";
import { MOCK_PACE } from "../worker/command";
import type { LogLine } from "../worker/log-buffer";
import { WorkerProcess, type WorkerStartOptions } from "../worker/worker-process";
import { PROBES, type ProbeOutcome } from "./probes";

/** Options of {@link compareBuilds}. */
export interface CompareBuildsOptions {
  /** The two builds: a path, `mock`, `mock-compat`, or an `http(s)://` URL of a running worker. */
  bins: [string, string];
  /** The model both load (`mock` for the mock's own). */
  model: string;
  gpuDevice?: number;
  /** Probe ids whose difference does not count. */
  allow?: string[];
  /** Extra start options for the builds the command starts (environment, timeouts). */
  start?: Partial<WorkerStartOptions>;
}

/** One build as it ran. */
export interface BuildSide {
  /** `A` or `B`, with what `--bin` named. */
  label: string;
  bin: string;
  fingerprint: Fingerprint;
  /** The shape of its log lines: `tracing JSON (message under fields)`, `flat JSON`, `plain text`, per stream. */
  logFormat: string;
}

/** One probe on both builds. */
export interface ProbeComparison {
  id: string;
  title: string;
  a: ProbeOutcome;
  b: ProbeOutcome;
  /** What differs, one line each; empty when they agree. */
  differences: string[];
  /** True when `--allow` names it (its differences do not count). */
  allowed: boolean;
}

/** A timing figure of both builds: each side's p50, p95 and samples, and B's median against A's (bootstrap 95 % interval). */
export interface TimingComparison {
  figure: "TTFT" | "TPOT";
  a: { p50?: number; p95?: number; n: number };
  b: { p50?: number; p95?: number; n: number };
  change?: MedianChange;
}

/** What `compare-builds` found. */
export interface BuildComparison {
  builds: [BuildSide, BuildSide];
  probes: ProbeComparison[];
  timing: TimingComparison[];
  /** Probes that differ and are not allowed: the command exits 1 when there is one. */
  differing: string[];
}

/** A build to run: started here, or attached at its URL. */
interface Running {
  client: WorkerClient;
  worker?: WorkerProcess;
}

/** True for a `--bin` that names a running worker by its URL (attached to, never started). */
export const isUrl = (bin: string): boolean => /^https?:\/\//.test(bin);

/** True for a `--bin` that names no file: the bundled mock, its compat mode, or a URL. */
export const namesNoFile = (bin: string): boolean => bin === "mock" || bin === "mock-compat" || isUrl(bin);

async function startBuild(bin: string, o: CompareBuildsOptions): Promise<Running> {
  if (isUrl(bin)) {
    const client = new WorkerClient(bin.replace(/\/+$/, ""));
    const health = await client.health({ timeoutMs: 5_000 }).catch((error: Error) => {
      throw new Error(`--bin ${bin}: no worker answered GET /health (${error.message})`);
    });
    if (!isIdle(health))
      throw new Error(`--bin ${bin}: the worker is not idle: /health said ${JSON.stringify(health)}`);
    return { client };
  }
  const mock = bin === "mock" || bin === "mock-compat";
  const worker = await WorkerProcess.start({
    binary: mock ? "mock" : bin,
    model: o.model,
    gpuDevice: o.gpuDevice ?? 0,
    startupTimeoutMs: 60_000,
    shutdownGraceMs: 5_000,
    requestTimeoutMs: 60_000,
    idleTimeoutMs: 30_000,
    ...o.start,
    extraArgs: [
      ...(mock ? MOCK_PACE : []),
      ...(bin === "mock-compat" ? ["--compat"] : []),
      ...(o.start?.extraArgs ?? []),
    ],
  });
  return { client: worker.client, worker };
}

/** The shape of a worker's log lines, per stream. */
export function logFormatOf(lines: LogLine[]): string {
  const shapes = (stream: LogLine["stream"]) => {
    const seen = new Set<string>();
    for (const line of lines.filter((l) => l.stream === stream && l.text.trim() !== "")) {
      const json = line.json;
      seen.add(
        !json
          ? "plain text"
          : json.fields && typeof json.fields === "object" && "message" in json.fields
            ? "tracing JSON (message under fields)"
            : "message" in json
              ? "flat JSON (message at the top)"
              : "other JSON",
      );
    }
    return [...seen].sort().join(" + ") || "nothing";
  };
  return `stdout: ${shapes("stdout")}; stderr: ${shapes("stderr")}`;
}

/** What differs between two outcomes of one probe. */
export function differencesOf(a: ProbeOutcome, b: ProbeOutcome): string[] {
  const out: string[] = [];
  const at = partingIndex(a.tokens, b.tokens);
  if (at >= 0)
    out.push(
      `tokens part at #${at} (A ${a.tokens.length}, B ${b.tokens.length}): A ${tokensAround(a.tokens, at)}; B ${tokensAround(b.tokens, at)}`,
    );
  if (a.ending !== b.ending) out.push(`ending: A ${JSON.stringify(a.ending)}, B ${JSON.stringify(b.ending)}`);
  const fa = (a.fields ?? []).join(",");
  const fb = (b.fields ?? []).join(",");
  if (fa !== fb) out.push(`fields named: A [${fa}], B [${fb}]`);
  return out;
}

const failed = (error: unknown): ProbeOutcome => ({
  tokens: [],
  ending: `failed: ${((error as Error).message ?? String(error)).split("\n")[0].slice(0, 160)}`,
});

function timingOf(figure: TimingComparison["figure"], a: number[], b: number[]): TimingComparison {
  const side = (v: number[]) => ({ ...percentiles(v), n: v.length });
  return {
    figure,
    a: side(a),
    b: side(b),
    ...(a.length > 0 && b.length > 0 ? { change: medianChange(a, b) } : {}),
  };
}

/**
 * Starts both builds (or attaches), runs every probe on both in interleaved
 * order (A then B, then B then A, so neither always goes first), compares
 * tokens, endings and rejections, and the timing of the token probes.
 * Nothing started is left running.
 */
export async function compareBuilds(o: CompareBuildsOptions): Promise<BuildComparison> {
  const running: Running[] = [];
  try {
    for (const bin of o.bins) running.push(await startBuild(bin, o));
    const gpu = await detectGpus();
    const outcomes = PROBES.map(() => [[] as ProbeOutcome[], [] as ProbeOutcome[]]);
    let turn = 0;
    for (const [p, probe] of PROBES.entries()) {
      for (let r = 0; r < probe.runs; r++) {
        const order = turn++ % 2 === 0 ? [0, 1] : [1, 0];
        for (const side of order) {
          const jobId = `cb-${probe.id}-${r}-${"ab"[side]}`;
          outcomes[p][side].push(await probe.run(running[side].client, jobId).catch(failed));
        }
      }
    }
    const allow = new Set(o.allow ?? []);
    const probes: ProbeComparison[] = PROBES.map((probe, p) => {
      const [a, b] = [outcomes[p][0][0], outcomes[p][1][0]];
      return {
        id: probe.id,
        title: probe.title,
        a,
        b,
        differences: differencesOf(a, b),
        allowed: allow.has(probe.id),
      };
    });
    const builds = o.bins.map((bin, side) => {
      const w = running[side].worker;
      return {
        label: `${"AB"[side]}: ${bin}`,
        bin,
        fingerprint: fingerprintOf({
          binary: bin === "mock-compat" ? "mock" : bin,
          model: isUrl(bin) ? "(attached)" : o.model,
          device: o.gpuDevice ?? 0,
          gpu,
          command: w?.command,
          envNames: Object.keys(o.start?.env ?? {}),
          health: w?.readyHealth,
        }),
        logFormat: w ? logFormatOf(w.logs.all()) : "not seen (attached: its log is not this command's)",
      };
    }) as [BuildSide, BuildSide];
    const logs: ProbeComparison = {
      id: "log-format",
      title: "the shape of the log lines",
      a: { tokens: [], ending: builds[0].logFormat },
      b: { tokens: [], ending: builds[1].logFormat },
      differences: [],
      allowed: allow.has("log-format"),
    };
    if (running.every((r) => r.worker) && logs.a.ending !== logs.b.ending)
      logs.differences.push(`log format: A ${logs.a.ending}; B ${logs.b.ending}`);
    probes.push(logs);
    const samples = (side: number, key: "ttftMs" | "tpotMs") =>
      outcomes.flatMap((o) => o[side].map((x) => x[key])).filter((v): v is number => v !== undefined);
    const timing = [
      timingOf("TTFT", samples(0, "ttftMs"), samples(1, "ttftMs")),
      timingOf("TPOT", samples(0, "tpotMs"), samples(1, "tpotMs")),
    ];
    const differing = probes.filter((p) => p.differences.length > 0 && !p.allowed).map((p) => p.id);
    return { builds, probes, timing, differing };
  } finally {
    await Promise.all(running.map((r) => r.worker?.stop()));
  }
}

/** Every probe id, for `--allow` and its check. */
export const PROBE_IDS = [...PROBES.map((p) => p.id), "log-format"];
