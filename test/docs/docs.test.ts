import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "@jest/globals";
import { ENV_VARS, OPTION_NAMES } from "../../src/config/options";
import { CLAUSES } from "../../src/conformance/clauses";
import { matchers } from "../../src/matchers";
import { docPages } from "../helpers/docs";
import { REPO } from "../helpers/jest-run";

const read = (page: string) => readFileSync(page, "utf8");
const PKG = JSON.parse(read(join(REPO, "package.json")));

/** GitHub's anchor of a heading. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\w\- ]/g, "")
    .replace(/ /g, "-");

/** The anchors of a page's headings (outside code blocks). */
function anchors(page: string): Set<string> {
  let code = false;
  const found = new Set<string>();
  for (const line of read(page).split("\n")) {
    if (line.trimStart().startsWith("```")) code = !code;
    const m = /^#+ (.*)$/.exec(line);
    if (!code && m) found.add(slug(m[1]));
  }
  return found;
}

/** Every markdown link of a page outside code blocks: `[text](target)`. */
function links(page: string): { target: string; line: number }[] {
  let code = false;
  const found: { target: string; line: number }[] = [];
  read(page)
    .split("\n")
    .forEach((line, k) => {
      if (line.trimStart().startsWith("```")) code = !code;
      if (code) return;
      for (const m of line.replace(/`[^`]*`/g, "").matchAll(/\]\(([^)\s]+)\)/g))
        found.push({ target: m[1], line: k + 1 });
    });
  return found;
}

/** True when the tarball ships this repository path (package.json `files`, plus what npm always adds). */
const shipped = (path: string) =>
  ["package.json", ...PKG.files].some((f: string) => path === f || path.startsWith(`${f}/`));

describe("the documentation", () => {
  it("README.md is a front door of at most about 250 lines", () => {
    expect(read(join(REPO, "README.md")).split("\n").length).toBeLessThanOrEqual(250);
  });

  it("every relative link resolves to a shipped file and, with an anchor, to a heading of it", () => {
    const broken: string[] = [];
    for (const page of docPages()) {
      for (const { target, line } of links(page)) {
        if (/^[a-z]+:/i.test(target)) continue; // https:, mailto:
        const [file, anchor] = target.split("#");
        const path = file === "" ? page : resolve(dirname(page), file);
        const where = `${relative(REPO, page)}:${line} -> ${target}`;
        if (!existsSync(path)) broken.push(`${where}: no such file`);
        else if (!shipped(relative(REPO, path))) broken.push(`${where}: the tarball does not ship it`);
        else if (anchor && path.endsWith(".md") && !anchors(path).has(anchor))
          broken.push(`${where}: no heading with that anchor`);
      }
    }
    expect(broken).toEqual([]);
  });

  it("documents every option and variable, matcher and conformance clause in its reference page", () => {
    const page = (name: string) => read(join(REPO, "docs", `${name}.md`));
    const configuration = page("configuration");
    expect(OPTION_NAMES.filter((o) => !configuration.includes(`\`${o}\``))).toEqual([]);
    expect(Object.values(ENV_VARS).filter((v) => !configuration.includes(v))).toEqual([]);
    const matcherPage = page("matchers");
    expect(Object.keys(matchers).filter((m) => !matcherPage.includes(`\`${m}(`))).toEqual([]);
    const conformance = page("conformance");
    expect(CLAUSES.map((c) => c.id).filter((id) => !conformance.includes(`\`${id}\``))).toEqual([]);
    const protocol = page("protocol");
    expect(CLAUSES.map((c) => c.id).filter((id) => !protocol.includes(id))).toEqual([]);
  });

  it("every page under docs/ is linked from the README", () => {
    const readme = read(join(REPO, "README.md"));
    const pages = docPages()
      .slice(1)
      .map((p) => relative(REPO, p));
    expect(pages.filter((p) => !readme.includes(`](${p})`))).toEqual([]);
  });

  it("package.json names the repository, homepage, bugs and keywords, and ships docs/", () => {
    expect(PKG.repository).toMatchObject({ type: "git", url: expect.stringMatching(/^git\+https:\/\//) });
    expect(PKG.homepage).toMatch(/^https:\/\//);
    expect(PKG.bugs.url).toMatch(/^https:\/\//);
    expect(PKG.keywords).toEqual(expect.arrayContaining(["jest", "worker-orcd"]));
    expect(PKG.files).toContain("docs");
    expect(PKG.peerDependenciesMeta["node-llama-cpp"]).toEqual({ optional: true });
  });
});
