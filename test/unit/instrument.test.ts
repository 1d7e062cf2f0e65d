import { test } from "node:test";
import assert from "node:assert/strict";
import vm from "node:vm";
import * as acorn from "acorn";
import { findFunctions, PARSE_OPTIONS } from "../../kernel/instrument/functions";
import { instrumentUnit, topLevelCounter, TWIN_SPOT } from "../../kernel/instrument/instrument";
import type { CallCounting, UnitRuntime } from "../../kernel/exec/units";

const js = [
  "function matmul(a, b) {",
  '  "use strict";',
  "  return a * b;",
  "}",
  "const double = (x) => x * 2;",
  "class Net { forward(x) { return double(matmul(x, x)); } static make() { return new Net(); } }",
  "const obj = { run() { return [1, 2, 3].map((v) => v + 1); } };",
  "function outer() { function inner() {} return inner; }",
].join("\n");

/** Instruments `code` and runs it in a fresh context, counting calls unless told not to; `extra` runs after it, in the same script. */
function run(code: string, extra: string, counting: CallCounting = { active: 1 }) {
  const program = acorn.parse(code, PARSE_OPTIONS);
  const sites = findFunctions(program);
  const instrumented = instrumentUnit(code, program, sites, 0, null).toString();
  const runtime: UnitRuntime = { calls: new Uint32Array(topLevelCounter(sites) + 1) };
  const sandbox: Record<string, any> = { __tsprof__: { unit: () => runtime, counting } };
  vm.runInNewContext(`${instrumented}\n${extra}`, sandbox);
  return { sites, instrumented, runtime, sandbox };
}

test("every function is found, named as a reader would, with its binding and nesting", () => {
  const sites = findFunctions(acorn.parse(js, PARSE_OPTIONS));
  assert.deepEqual(
    sites.map((s) => [s.name, s.binding, s.nested, s.isMethod]),
    [
      ["matmul", "matmul", false, false],
      ["double", "double", false, false],
      ["Net.forward", null, false, true],
      ["Net.make", null, false, true],
      ["obj.run", null, false, true],
      ["<anonymous>", null, true, false],
      ["outer", "outer", false, false],
      ["inner", null, true, false],
    ],
  );
});

test("counters count exact calls and the top level's one run, keep directives first and add no line breaks", () => {
  const { instrumented, runtime, sandbox } = run(
    js,
    "result = new Net().forward(3) + Net.make().forward(1) + obj.run().length; outer(); outer();",
  );
  assert.equal(instrumented.split("\n").length, js.split("\n").length);
  assert.match(instrumented, /"use strict"; \(__tsprof_k\.active && __tsprof_c\[0\]\+\+\);/);
  assert.match(instrumented, /^const double/m, "declarations stay as written");
  assert.equal(sandbox.result, 18 + 2 + 3);
  assert.deepEqual([...runtime.calls], [2, 2, 2, 1, 1, 3, 2, 0, 1]);
});

test("a twin spot after each block body's counter, after each arrow's =>, before each instance field's initializer, and nowhere else", () => {
  const { instrumented } = run("class P { a = 1; static b = 2; m() { return 3; } }\nconst sq = (x) => x * x;", "");
  const spots = [...instrumented.matchAll(new RegExp(TWIN_SPOT, "g"))].map((m) =>
    instrumented.slice(Math.max(0, m.index! - 12), m.index! + TWIN_SPOT.length + 3),
  );
  assert.deepEqual(spots, [
    `ass P { a = ${TWIN_SPOT}1; `,
    `rof_c[0]++);${TWIN_SPOT} re`,
    ` sq = (x) =>${TWIN_SPOT} ((`,
  ]);
});

test("while counting is off the counters stay at zero, and the code works the same", () => {
  const counting = { active: 0 };
  const { runtime, sandbox } = run(js, "result = new Net().forward(3) + obj.run().length; outer();", counting);
  assert.equal(sandbox.result, 18 + 3);
  assert.deepEqual([...runtime.calls], [0, 0, 0, 0, 0, 0, 0, 0, 0]);
  counting.active = 1;
  sandbox.outer();
  assert.deepEqual([...runtime.calls], [0, 0, 0, 0, 0, 0, 1, 0, 0], "switched on, the next call counts");
});

test("executedText is what Function.prototype.toString returns", () => {
  const { sites, sandbox } = run(js, "this.fns = [matmul, double, Net.prototype.forward, Net.make, obj.run];");
  sandbox.fns.forEach((fn: Function, i: number) => assert.ok(sites[i].executedText.endsWith(fn.toString())));
});
