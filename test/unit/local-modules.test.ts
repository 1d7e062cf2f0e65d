/**
 * A cell's local modules (the .ts files it imports) through tsprof's converter: checked and
 * emitted as tslab's own converter does, before and after cells that import none. tsprof's
 * program makes TypeScript's builder only once it holds such a module (lean-builder.ts), and the
 * builder is what finds a cell's modules. The converter works in the process's directory, so this
 * file changes it before any converter is made (one made earlier keeps resolving from there).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import assert from "node:assert/strict";
import { converter } from "../../kernel/compiler-thread/tslab-compiler";
import * as tslabConverter from "tslab/dist/converter";

const CELLS = [
  "1 + 1",
  'import { twice } from "./good";\ntwice(2)',
  "twice(3)",
  'import { wrong } from "./bad";',
  "const later: number = twice(4);",
];

test("local modules a cell imports are checked and emitted as by tslab's converter, before and after cells that import none", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsprof-local-modules-"));
  fs.writeFileSync(path.join(dir, "good.ts"), "export function twice(n: number): number { return 2 * n; }\n");
  fs.writeFileSync(path.join(dir, "bad.ts"), 'export const wrong: number = "not a number";\n');
  const cwd = process.cwd();
  process.chdir(dir);
  const ours = converter.createConverter({ isJS: false, isBrowser: false });
  const theirs = tslabConverter.createConverter({ isJS: false, isBrowser: false });
  const seen: string[] = [];
  try {
    let decl = { ours: "", theirs: "" };
    for (const cell of CELLS) {
      const mine = ours.convert(decl.ours, cell);
      const tslabs = theirs.convert(decl.theirs, cell);
      const paths = (r: typeof mine) => (r.sideOutputs ?? []).map((o) => path.basename(o.path));
      assert.deepEqual(paths(mine), paths(tslabs), cell);
      const errors = (r: typeof mine) => r.diagnostics.map((d) => `${d.fileName}: ${d.messageText}`);
      assert.deepEqual(errors(mine), errors(tslabs), cell);
      assert.equal(mine.declOutput, tslabs.declOutput, cell);
      seen.push(...paths(mine), ...errors(mine));
      decl = { ours: mine.declOutput ?? decl.ours, theirs: tslabs.declOutput ?? decl.theirs };
    }
  } finally {
    ours.close();
    theirs.close();
    process.chdir(cwd);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  assert.deepEqual(seen, ["good.js", "bad.ts: Type 'string' is not assignable to type 'number'."]);
});
