/** %prun -F on a fixture profile: Node.js and library frames folded into their callers. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { foldExternalFrames } from "../../magics/measure/builders/fold";
import type { CallTreeNode, CpuProfileResult, FunctionRef } from "../../magics/model/profile";
import { withMainThread } from "./fixtures/profiles";

const ref = (name: string, category: FunctionRef["category"], file = "<cell 1>"): FunctionRef => ({
  name,
  file,
  line: 1,
  category,
});
const main = ref("main", "cell");
const onLine = ref("onLine", "cell");
const readFile = ref("readFileSync", "node", "node:fs");
const parse = ref("parse", "library", "node_modules/csv/index.js");
const gc = ref("(garbage collector)", "runtime", "");

const node = (fn: FunctionRef, selfTime: number, children: CallTreeNode[] = []): CallTreeNode => ({
  fn,
  selfTime,
  totalTime: selfTime + children.reduce((sum, c) => sum + c.totalTime, 0),
  children,
});

/** main reads a file (Node), parses it (a library) which calls back onLine twice, and calls onLine itself. */
function profile(): CpuProfileResult {
  const tree = node(ref("(root)", "runtime", ""), 0, [
    node(main, 0.1, [node(readFile, 0.2), node(parse, 0.3, [node(onLine, 0.05)]), node(onLine, 0.01)]),
    node(gc, 0.02),
  ]);
  const row = (fn: FunctionRef, ncalls: number | null, tottime: number, cumtime: number) => ({
    fn,
    ncalls,
    tottime,
    cumtime,
  });
  return withMainThread({
    table: {
      totalTime: 0.7,
      totalCalls: 4,
      rows: [
        row(main, 1, 0.1, 0.66),
        row(readFile, null, 0.2, 0.2),
        row(parse, null, 0.3, 0.35),
        row(onLine, 3, 0.06, 0.06),
        row(gc, null, 0.02, 0.02),
      ],
    },
    tree,
    sampleInterval: 1e-4,
    statement: "main()",
  });
}

const close = (actual: number, expected: number) =>
  assert.ok(Math.abs(actual - expected) < 1e-12, `${actual} ≠ ${expected}`);

test("folded frames' time becomes the caller's tottime; their rows go, the runtime's stay", () => {
  const folded = foldExternalFrames(profile());
  const rows = new Map(folded.table.rows.map((r) => [r.fn.name, r]));
  assert.deepEqual([...rows.keys()], ["main", "onLine", "(garbage collector)"]);
  close(rows.get("main")!.tottime, 0.1 + 0.2 + 0.3);
  close(rows.get("main")!.cumtime, 0.66);
  close(rows.get("onLine")!.tottime, 0.06);
  assert.equal(rows.get("onLine")!.ncalls, 3, "exact call counts are kept");
  close(rows.get("(garbage collector)")!.tottime, 0.02);
});

test("callbacks a library made hang under the caller, merged with the caller's own calls", () => {
  const [mainNode] = foldExternalFrames(profile()).tree.children;
  assert.deepEqual(
    mainNode.children.map((c) => c.fn.name),
    ["onLine"],
  );
  close(mainNode.children[0].totalTime, 0.06);
  close(mainNode.selfTime, 0.6);
  close(mainNode.totalTime, 0.66);
});

test("the input profile is left as it was", () => {
  const original = profile();
  foldExternalFrames(original);
  assert.deepEqual(original, profile());
});
