/**
 * %alloc's model and views: a hand-made V8 sampling heap profile (the kernel's frames at the
 * bottom, forward → matmul from two call sites, fib recursing, a function with a hostile name)
 * built into the model, then its text (golden), HTML, ordering and .heapprofile export.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildAllocationProfile } from "../../magics/measure/builders/allocation-profile";
import type { V8HeapNode, V8HeapProfile } from "../../magics/measure/samplers/heap-sampler";
import type { ResolvedFrame, V8Frame } from "../../magics/core/context";
import type { AllocationProfileResult } from "../../magics/model/profile";
import { allocationText } from "../../magics/views/allocation-text";
import { allocationHtml, allocationViews } from "../../magics/views/allocation-views";
import { toHeapProfile } from "../../magics/views/heapprofile-export";
import { resultViews } from "../../magics/views/display";
import { formatBytes } from "../../magics/views/pyformat";
import { cellRef, KERNEL_FRAMES, XSS } from "./fixtures/profiles";

const FRAMES: Record<string, ResolvedFrame | null> = {
  ...KERNEL_FRAMES,
  xss: { ref: cellRef(XSS, 20), counter: { unit: 0, index: 3 } },
};

const node = (id: number, functionName: string, selfSize: number, children: V8HeapNode[] = []): V8HeapNode => ({
  // The kernel's frames come from its scripts; the rest are resolved by name alone.
  callFrame: {
    functionName,
    url: functionName === "runCell" ? "/kernel/dist/kernel/exec/executor.js" : "",
    lineNumber: 0,
    columnNumber: 0,
  },
  selfSize,
  id,
  children,
});

const PROFILE: V8HeapProfile = {
  head: node(1, "(root)", 0, [
    node(2, "runCell", 4096, [
      node(3, "", 1000, [
        node(4, "forward", 0, [node(5, "matmul", 3_000_000), node(6, "matmul", 1_000_000)]),
        node(7, "fib", 512, [node(8, "fib", 256)]),
        node(9, "xss", 64),
      ]),
    ]),
  ]),
  samples: [],
};
const sample = (nodeId: number, times: number) =>
  Array.from({ length: times }, () => PROFILE.samples.push({ size: 32, nodeId, ordinal: PROFILE.samples.length + 1 }));
[
  [2, 1],
  [3, 1],
  [5, 90],
  [6, 30],
  [7, 1],
  [8, 1],
  [9, 1],
].forEach(([id, times]) => sample(id, times));

function built(collectedGarbage = true): AllocationProfileResult {
  return buildAllocationProfile({
    profile: PROFILE,
    resolve: (frame: V8Frame) => FRAMES[frame.functionName] ?? null,
    heap: {
      allocated: 4_200_000,
      live: 1_000_000,
      collected: 3_200_000,
      collections: 3,
      external: 8_000_512,
      arrayBuffers: 8_000_000,
    },
    statement: "forward(x, w1, w2)",
    wallTime: 0.0123,
    sampleInterval: 32768,
    collectedGarbage,
  });
}

const HEADER = "  samples       self      total filename:lineno(function)";
const MATMUL = "      120   3.81 MiB   3.81 MiB <cell 1>:2(matmul)";
const MODULE = "        1     1000 B   3.82 MiB <cell 2>:1(<module>)";
const FIB = "        2      768 B      768 B <cell 1>:14(fib)";
const XSS_ROW = `        1       64 B       64 B <cell 1>:20(${XSS})`;
const FORWARD = "        0        0 B   3.81 MiB <cell 1>:10(forward)";
const SUMMARY = [
  "         3.82 MiB allocated in 0.012 seconds (124 sampled allocations, one per 32.0 KiB on average, 4.00 KiB more outside the notebook's code)",
  "         JS heap: 4.01 MiB allocated = 977 KiB still live (reachable after a full collection) + 3.05 MiB allocated and collected (3 garbage collections)",
  "         Outside the JS heap: external +7.63 MiB, arrayBuffers +7.63 MiB",
];
const NOTE =
  "   Typed arrays and Buffers count here as their small JS handle, not their contents: their backing store lives outside the JS heap (the arrayBuffers figure above).";

test("the model: bytes and samples per function, matmul's two call sites one row, recursion counted once, the kernel's bytes set apart", () => {
  const result = built();
  const row = (name: string) => result.rows.find((r) => r.fn.name === name)!;
  assert.deepEqual(
    [row("matmul").selfBytes, row("matmul").totalBytes, row("matmul").samples],
    [4_000_000, 4_000_000, 120],
  );
  assert.deepEqual([row("fib").selfBytes, row("fib").totalBytes, row("fib").samples], [768, 768, 2]);
  assert.deepEqual([row("<module>").selfBytes, row("<module>").totalBytes], [1000, 4_001_832]);
  assert.deepEqual([result.sampledBytes, result.samples, result.otherBytes], [4_001_832, 124, 4096]);
  const forward = result.tree.children[0].children[0];
  // matmul's two call sites in forward are one node of the tree, as in %prun's.
  assert.deepEqual(
    [forward.fn.name, forward.totalBytes, forward.children.map((c) => [c.fn.name, c.selfBytes, c.samples])],
    ["forward", 4_000_000, [["matmul", 4_000_000, 120]]],
  );
  assert.equal(result.tree.totalBytes, result.sampledBytes);
});

test("text: %prun's layout in bytes, ordered by self bytes, the heap's balance and the typed-array note", () => {
  const text = allocationText(built(), { sort: [], limits: [] });
  assert.equal(
    text,
    [...SUMMARY, "", "   Ordered by: self bytes", "", HEADER, MATMUL, MODULE, FIB, XSS_ROW, FORWARD, "", NOTE].join(
      "\n",
    ),
  );
});

test("text without -g: the heap's growth, and why live and collected are not told apart", () => {
  const line = allocationText(built(false), { sort: [], limits: [] }).split("\n")[1];
  assert.equal(
    line,
    "         JS heap: 4.01 MiB allocated; the heap grew by 977 KiB (3 garbage collections, which may also free earlier cells' garbage: -g tells live from collected)",
  );
});

test("text without -g: a heap that collections shrank says so, not that it grew by a negative amount", () => {
  const shrunk = built(false);
  shrunk.heap = { ...shrunk.heap, live: -2 * 1024 * 1024 };
  const line = allocationText(shrunk, { sort: [], limits: [] }).split("\n")[1];
  assert.equal(
    line,
    "         JS heap: 4.01 MiB allocated; the heap shrank by 2.00 MiB (3 garbage collections, which may also free earlier cells' garbage: -g tells live from collected)",
  );
});

test("-s and -l as in %prun: keys, prefixes, several keys, limits in order; a bad key is an error naming the keys", () => {
  const total = allocationText(built(), { sort: ["total", "samp"], limits: ["3", "cell 1"] });
  assert.equal(
    total,
    [
      ...SUMMARY,
      "",
      "   Ordered by: total bytes, sampled allocations",
      "   List reduced from 5 to 3 due to restriction <3>",
      "   List reduced from 3 to 2 due to restriction <'cell 1'>",
      "",
      HEADER,
      MATMUL,
      FORWARD,
      "",
      NOTE,
    ].join("\n"),
  );
  // Names compare by code point, as Python's str: "<img…" < "<module>" < "fib".
  assert.ok(
    allocationText(built(), { sort: ["name"], limits: ["1"] }).includes(
      `Ordered by: function name\n   List reduced from 5 to 1 due to restriction <1>\n\n${HEADER}\n${XSS_ROW}\n`,
    ),
  );
  assert.throws(
    () => allocationText(built(), { sort: ["s"], limits: [] }),
    /%alloc: unknown sort key 's'\. Use one of samples, self, total, filename, line, module, name, nfl, stdname \(or an unambiguous prefix, like tot\)\./,
  );
});

test("HTML: sortable, sorted by self, exact bytes behind the rounded ones, hostile names escaped", () => {
  const html = allocationHtml(built(), { sort: [], limits: [] });
  assert.match(html, /<table data-tsprof-sortable/);
  assert.ok(!html.includes(XSS), "the name is escaped");
  assert.ok(html.includes("&lt;img src=x onerror=alert(1)&gt;"));
  assert.match(html, /aria-sort="descending"[^>]*>self</);
  assert.match(html, /data-sort="4000000" title="4000000 bytes"[^>]*>3\.81 MiB</);
  assert.ok(html.includes("Typed arrays and Buffers count here as their small JS handle"));
});

test("the icicle: bytes as width, a parent as wide as its children, then display.profile shows the same views", () => {
  const views = allocationViews(built(), { sort: [], limits: [] });
  const trace = (views[1]["application/vnd.plotly.v1+json"] as any).data[0];
  assert.equal(trace.type, "icicle");
  assert.equal(trace.values[0], 4_001_832);
  assert.ok(
    !trace.labels.some((label: string) => label.includes("<img")),
    "labels are escaped (or, below the smallest share shown, left out)",
  );
  const forward = trace.labels.indexOf("forward");
  assert.equal(trace.values[forward], 4_000_000);
  assert.deepEqual(
    resultViews(built()).map((b) => b["text/plain"]),
    views.map((b) => b["text/plain"]),
  );
});

test("sizes from 1000 up to the next unit read as whole numbers, not exponents", () => {
  assert.deepEqual(
    [formatBytes(1010 * 1024), formatBytes(999 * 1024), formatBytes(1023.9 * 1024), formatBytes(-1000 * 1024)],
    ["1010 KiB", "999 KiB", "1024 KiB", "-1000 KiB"],
  );
});

test(".heapprofile: DevTools' layout, lines from 0, sizes and samples summing to the profile's", () => {
  const exported = toHeapProfile(built()) as { head: any; samples: { size: number; nodeId: number }[] };
  const all: any[] = [];
  const walk = (n: any) => (all.push(n), n.children.forEach(walk));
  walk(exported.head);
  const matmul = all.find((n) => n.callFrame.functionName === "matmul");
  assert.deepEqual([matmul.callFrame.url, matmul.callFrame.lineNumber], ["<cell 1>", 1]);
  assert.equal(
    all.reduce((s, n) => s + n.selfSize, 0),
    4_001_832,
  );
  assert.equal(exported.samples.length, 124);
  assert.equal(exported.samples.filter((s) => s.nodeId === matmul.id).length, 120);
});
