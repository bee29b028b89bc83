import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "@jest/globals";
import ts from "typescript";

// The layers of src/ as docs/layout.md names them, held to the code: no import reaches up, none crosses
// sideways into another room of the same layer, and no file cycle.

const REPO = join(__dirname, "..");
const SRC = join(REPO, "src");

/** docs/layout.md's table: room → layer. */
function layers(): Map<string, number> {
  const doc = readFileSync(join(REPO, "docs", "layout.md"), "utf8");
  const table = doc.split("<!-- layers -->")[1]?.split("<!-- /layers -->")[0] ?? "";
  const rooms = new Map<string, number>();
  for (const row of table.split("\n")) {
    const cells = row.split("|").map((c) => c.trim());
    const layer = Number(cells[1]);
    if (!Number.isInteger(layer)) continue;
    for (const room of cells[2].split(",")) rooms.set(room.trim(), layer);
  }
  return rooms;
}

function sourceFiles(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

/** The files a source file imports (import, export from, require, import()), inside src/. */
function importsOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
  return info.importedFiles
    .map((f) => f.fileName)
    .filter((name) => name.startsWith("."))
    .flatMap((name) => {
      const base = resolve(dirname(file), name);
      const hit = [`${base}.ts`, join(base, "index.ts")].find((c) => {
        try {
          readFileSync(c);
          return true;
        } catch {
          return false;
        }
      });
      return hit ? [hit] : [];
    });
}

/** The room a file lives in: the longest room of the table its path begins with. */
function roomOf(file: string, rooms: Map<string, number>): string | undefined {
  const rel = relative(SRC, file);
  return [...rooms.keys()]
    .filter((room) => rel === room || rel.startsWith(`${room}/`))
    .sort((a, b) => b.length - a.length)[0];
}

const rooms = layers();
const files = sourceFiles();
const graph = new Map(files.map((f) => [f, importsOf(f)]));

describe("the layers of src/ (docs/layout.md)", () => {
  it("the table names rooms, and every source file lives in one", () => {
    expect(rooms.size).toBeGreaterThan(10);
    const homeless = files.filter((f) => roomOf(f, rooms) === undefined).map((f) => relative(SRC, f));
    expect(homeless).toEqual([]);
  });

  it("no import reaches a higher layer or another room of the same layer", () => {
    const wrong: string[] = [];
    for (const [file, targets] of graph) {
      const from = roomOf(file, rooms)!;
      for (const target of targets) {
        const to = roomOf(target, rooms)!;
        const [a, b] = [rooms.get(from)!, rooms.get(to)!];
        if (b > a || (b === a && from !== to))
          wrong.push(
            `${relative(SRC, file)} (${from}, layer ${a}) → ${relative(SRC, target)} (${to}, layer ${b})`,
          );
      }
    }
    expect(wrong).toEqual([]);
  });

  it("no file imports itself back through others", () => {
    const cycles: string[] = [];
    const state = new Map<string, "open" | "done">();
    const path: string[] = [];
    const visit = (file: string) => {
      state.set(file, "open");
      path.push(file);
      for (const next of graph.get(file) ?? []) {
        if (state.get(next) === "open")
          cycles.push([...path.slice(path.indexOf(next)), next].map((f) => relative(SRC, f)).join(" → "));
        else if (!state.has(next)) visit(next);
      }
      path.pop();
      state.set(file, "done");
    };
    for (const file of files) if (!state.has(file)) visit(file);
    expect(cycles).toEqual([]);
  });
});
