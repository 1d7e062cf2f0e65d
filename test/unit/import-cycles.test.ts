/** The tree's rule that no two files of kernel/ and magics/ import each other's code, directly or around a loop. */
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { ROOT, sources } from "./fixtures/sources";

/** A value import's relative specifier (type-only imports are erased, so they make no cycle). */
const VALUE_IMPORT = /^import (?!type )[^;]*?from "(\.[^"]+)";$/gm;

function importGraph(files: string[]): Map<string, string[]> {
  const known = new Set(files);
  return new Map(
    files.map((file) => {
      const text = fs.readFileSync(path.join(ROOT, file), "utf8");
      const targets = [...text.matchAll(VALUE_IMPORT)]
        .map((m) => path.normalize(path.join(path.dirname(file), m[1])))
        .map((t) => [`${t}.ts`, path.join(t, "index.ts")].find((c) => known.has(c)))
        .filter((t): t is string => t !== undefined);
      return [file, targets];
    }),
  );
}

/** Every import loop, as the files around it; depth first, a file on the current path closing a loop. */
function cycles(graph: Map<string, string[]>): string[] {
  const found: string[] = [];
  const state = new Map<string, "open" | "done">();
  const trail: string[] = [];
  const visit = (file: string): void => {
    state.set(file, "open");
    trail.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === "open") found.push([...trail.slice(trail.indexOf(next)), next].join(" → "));
      else if (!state.has(next)) visit(next);
    }
    trail.pop();
    state.set(file, "done");
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return found;
}

test("no import cycles in kernel/ and magics/", () => {
  const graph = importGraph([...sources("kernel"), ...sources("magics")]);
  assert.ok(graph.size > 50);
  assert.deepEqual(cycles(graph), []);
});

test("the cycle check finds a loop", () => {
  const graph = new Map([
    ["a.ts", ["b.ts"]],
    ["b.ts", ["c.ts"]],
    ["c.ts", ["a.ts"]],
    ["d.ts", ["a.ts"]],
  ]);
  assert.deepEqual(cycles(graph), ["a.ts → b.ts → c.ts → a.ts"]);
});
