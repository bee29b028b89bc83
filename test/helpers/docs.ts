import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { REPO } from "./jest-run";

/** The README and every page under docs/, as paths. */
export function docPages(): string[] {
  const docs = join(REPO, "docs");
  return [
    join(REPO, "README.md"),
    ...readdirSync(docs)
      .filter((f) => f.endsWith(".md"))
      .sort()
      .map((f) => join(docs, f)),
  ];
}

/** A code block of a page: its language, code, and where it is. */
export interface DocBlock {
  page: string;
  line: number;
  lang: string;
  code: string;
}

/** Every fenced code block that follows `marker` (an HTML comment on the line before it). */
function blocksAfter(marker: RegExp): (DocBlock & { name: string })[] {
  const found: (DocBlock & { name: string })[] = [];
  for (const page of docPages()) {
    const lines = readFileSync(page, "utf8").split("\n");
    lines.forEach((l, k) => {
      const m = marker.exec(l.trim());
      if (!m) return;
      const fence = /^\s*```(\w*)\s*$/.exec(lines[k + 1] ?? "");
      if (!fence)
        throw new Error(`${relative(REPO, page)}:${k + 1}: ${l.trim()} is not followed by a code block`);
      const end = lines.findIndex((x, j) => j > k + 1 && /^\s*```\s*$/.test(x));
      found.push({
        page: relative(REPO, page),
        line: k + 2,
        lang: fence[1],
        code: lines.slice(k + 2, end).join("\n"),
        name: m[1] ?? "",
      });
    });
  }
  return found;
}

/** The one code block marked `<!-- KIND:NAME -->` in the README or a docs page. */
function blockMarked(kind: "consumer" | "vitest", name: string): string {
  const hits = blocksAfter(new RegExp(`^<!-- ${kind}:([\\w-]+) -->$`)).filter((b) => b.name === name);
  if (hits.length !== 1)
    throw new Error(
      `expected one <!-- ${kind}:${name} --> block in README.md and docs/, found ${hits.length}`,
    );
  return hits[0].code.trim();
}

/** The code block marked `<!-- consumer:NAME -->` in the README or a docs page (exactly one). */
export const markedBlock = (name: string): string => blockMarked("consumer", name);

/** The code block marked `<!-- vitest:NAME -->` (exactly one): what a Vitest user copies. */
export const vitestBlock = (name: string): string => blockMarked("vitest", name);

/** Every block marked `<!-- runnable -->`: a complete test file that must pass against the packed package. */
export function runnableBlocks(): DocBlock[] {
  return blocksAfter(/^<!-- runnable -->$/);
}
