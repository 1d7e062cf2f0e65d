import { test } from "node:test";
import assert from "node:assert/strict";
import * as acorn from "acorn";
import { PARSE_OPTIONS } from "../../kernel/instrument";
import { CURRENT_NAME, HITS_NAME, instrumentLines } from "../../kernel/line-instrument";

/** Instruments the first function of `js` and compiles it; `hitsOn(line)` reads a line's hits as %lprun shows them. */
function profiled(js: string) {
  const program = acorn.parse(js, PARSE_OPTIONS);
  const fn = program.body[0] as acorn.FunctionDeclaration;
  const { text, probes } = instrumentLines(js, fn, { start: fn.start, end: fn.end });
  const hits = new Uint32Array(probes.length + 1);
  const current = new Int32Array(1);
  const compiled = new Function(HITS_NAME, CURRENT_NAME, `return (${text});`)(hits, current);
  const hitsOn = (line: number) => {
    const first = probes.find((p) => p.loc.line === line);
    return first ? hits[first.id] : null;
  };
  return { text, compiled, hits, current, hitsOn };
}

test("a loop of 10 with an if taken 3 times: exact hits, header counts iterations + 1", () => {
  const { compiled, hitsOn, current } = profiled(
    [
      "function f() {", //                1
      "  let taken = 0;", //              2
      "  for (let i = 0; i < 10; i++) {", // 3
      "    if (i % 3 === 0) {", //        4
      "      taken++;", //                5
      "    }", //                         6
      "  }", //                           7
      "  return taken;", //               8
      "}",
    ].join("\n"),
  );
  assert.equal(compiled(), 4);
  assert.deepEqual([2, 3, 4, 5, 6, 8].map(hitsOn), [1, 11, 10, 4, null, 1]);
  assert.equal(current[0], 0, "the current-statement cell is cleared when the function returns");
});

test("the if taken exactly 3 times of 10", () => {
  const { compiled, hitsOn } = profiled(["function f() {", "  let n = 0;", "  for (let i = 0; i < 10; i++)", "    if (i < 3) n++;", "  return n;", "}"].join("\n"));
  assert.equal(compiled(), 3);
  assert.deepEqual([3, 4].map(hitsOn), [11, 10]);
});

test("else-if chains count each condition that is evaluated, on its own line", () => {
  const { compiled, hitsOn } = profiled(
    [
      "function f(xs) {",
      "  let s = '';",
      "  for (const x of xs) {",
      "    if (x < 0) s += 'n';",
      "    else if (x === 0) s += 'z';",
      "    else if (x < 10) s += 's';",
      "    else s += 'b';",
      "  }",
      "  return s;",
      "}",
    ].join("\n"),
  );
  assert.equal(compiled([-1, 0, 5, 50, 7]), "nzsbs");
  assert.deepEqual([3, 4, 5, 6, 7].map(hitsOn), [6, 5, 4, 3, 1]);
});

test("while, do-while, for(;;), labels with continue, switch cases", () => {
  const { compiled, hitsOn } = profiled(
    [
      "function f() {",
      "  let n = 0, m = 0;",
      "  while (n < 5) n++;",
      "  do {",
      "    m++;",
      "  } while (m < 3);",
      "  outer: for (const a of [1, 2, 3]) {",
      "    for (;;) { if (a === 2) continue outer; break; }",
      "    switch (a) {",
      "      case 1: m += 10; break;",
      "      default: m += 100;",
      "    }",
      "  }",
      "  return n + m;",
      "}",
    ].join("\n"),
  );
  assert.equal(compiled(), 5 + 3 + 10 + 100);
  assert.deepEqual([3, 4, 5, 6, 7, 8, 9, 10, 11].map(hitsOn), [6, 1, 3, 3, 4, 3, 2, 1, 1]);
});

test("arrow callbacks count on their own lines and give the line back to their caller", () => {
  const { compiled, hitsOn, current } = profiled(
    [
      "function f(xs) {",
      "  const doubled = xs.map((x) =>",
      "    x * 2);",
      "  const wrapped = xs.map((x) => ({ x }));",
      "  return doubled.reduce((a, b) => {",
      "    return a + b;",
      "  }, 0) + wrapped.length;",
      "}",
    ].join("\n"),
  );
  assert.equal(compiled([1, 2, 3]), 12 + 3);
  assert.deepEqual([2, 3, 4, 5, 6].map(hitsOn), [1, 3, 1, 1, 3]);
  assert.equal(current[0], 0);
});

test("the current statement is restored after a throw and across recursion", () => {
  const js = ["function f(n) {", "  if (n === 0) throw new Error('bottom');", "  return f(n - 1);", "}"].join("\n");
  const { compiled, current, hitsOn } = profiled(js);
  assert.throws(() => compiled(3), /bottom/);
  assert.equal(current[0], 0);
  assert.equal(hitsOn(2), 4, "the recursive calls reach the copy through its own name");
});

test("directives stay first, no line break is added, async and generator bodies work", async () => {
  const js = ["async function f(xs) {", '  "use strict";', "  let s = 0;", "  for (const x of xs) s += await x;", "  return s;", "}"].join("\n");
  const { text, compiled, hitsOn } = profiled(js);
  assert.equal(text.split("\n").length, js.split("\n").length);
  assert.match(text, /^async function f\(xs\) \{\n {2}"use strict"; const __tsprof_lp/);
  assert.equal(await compiled([1, Promise.resolve(2), 3]), 6);
  assert.deepEqual([3, 4, 5].map(hitsOn), [1, 4, 1]);
  const gen = profiled(["function* g() {", "  for (let i = 0; i < 3; i++) yield i;", "}"].join("\n"));
  assert.deepEqual([...gen.compiled()], [0, 1, 2]);
  assert.equal(gen.hitsOn(2), 4);
  assert.equal(gen.current[0], 0);
});
