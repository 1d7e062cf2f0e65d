import { test } from "node:test";
import assert from "node:assert/strict";
import vm from "node:vm";
import * as acorn from "acorn";
import { findFunctions, instrumentUnit, PARSE_OPTIONS, topLevelCounter } from "../../kernel/instrument";

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

test("counters count exact calls, keep directives first and add no line breaks", () => {
  const program = acorn.parse(js, PARSE_OPTIONS);
  const sites = findFunctions(program);
  const code = instrumentUnit(js, program, sites, 0, null).toString();
  assert.equal(code.split("\n").length, js.split("\n").length);
  assert.match(code, /"use strict"; __tsprof_c\[0\]\+\+;/);
  assert.match(code, /^let {3}double/m, "top-level const becomes a same-width let");
  const calls = new Uint32Array(topLevelCounter(sites) + 1);
  const runtime = { calls, scope: null as unknown };
  const sandbox = { __tsprof__: { unit: () => runtime }, result: 0 };
  vm.runInNewContext(`${code}\nresult = new Net().forward(3) + Net.make().forward(1) + obj.run().length; outer(); outer();`, sandbox);
  assert.equal(sandbox.result, 18 + 2 + 3);
  assert.deepEqual([...calls], [2, 2, 2, 1, 1, 3, 2, 0, 1], "the last counter counts the top level's one run");
  assert.equal(typeof runtime.scope, "function", "the scope hook is installed");
});

test("executedText is what Function.prototype.toString returns", () => {
  const program = acorn.parse(js, PARSE_OPTIONS);
  const sites = findFunctions(program);
  const code = instrumentUnit(js, program, sites, 0, null).toString();
  const runtime = { calls: new Uint32Array(topLevelCounter(sites) + 1), scope: null };
  const sandbox: any = { __tsprof__: { unit: () => runtime } };
  vm.runInNewContext(`${code}\nthis.fns = [matmul, double, Net.prototype.forward, Net.make, obj.run];`, sandbox);
  sandbox.fns.forEach((fn: Function, i: number) => assert.ok([sites[0], sites[1], sites[2], sites[3], sites[4]][i].executedText.endsWith(fn.toString())));
});
