import { test } from "node:test";
import assert from "node:assert/strict";
import vm from "node:vm";
import * as acorn from "acorn";
import { findFunctions, instrumentUnit, PARSE_OPTIONS, topLevelCounter } from "../../kernel/instrument";
import type { CallCounting, UnitRuntime } from "../../kernel/units";

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
  const runtime: UnitRuntime = { calls: new Uint32Array(topLevelCounter(sites) + 1), scope: null, profiled: null };
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
  const { instrumented, runtime, sandbox } = run(js, "result = new Net().forward(3) + Net.make().forward(1) + obj.run().length; outer(); outer();");
  assert.equal(instrumented.split("\n").length, js.split("\n").length);
  assert.match(instrumented, /"use strict"; \(__tsprof_k\.active && __tsprof_c\[0\]\+\+\);/);
  assert.match(instrumented, /^const double/m, "declarations stay as written");
  assert.equal(sandbox.result, 18 + 2 + 3);
  assert.deepEqual([...runtime.calls], [2, 2, 2, 1, 1, 3, 2, 0, 1]);
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

test("accessors read the top-level names functions use and write only names some code assigns", () => {
  const code = ["let total = 0;", "const factor = 3;", "let unused = 1;", "function add(n) { total += n * factor; return total; }", "const show = () => total;"].join("\n");
  const { runtime, sandbox } = run(code, "add(2); this.show = show;");
  const scope = runtime.scope!;
  assert.deepEqual(Object.keys(scope.read).sort(), ["add", "factor", "show", "total"], "what functions use, and the names holding functions");
  assert.deepEqual(Object.keys(scope.write), ["total"]);
  assert.equal(scope.read.total(), 6);
  scope.write.total(10);
  assert.equal(sandbox.show(), 10, "the accessor writes the binding itself");
});

test("while a copy is set, every call reaches it with the same this and arguments; the counter still counts", () => {
  const code = [
    "function sum(a, b = 1, ...rest) { return a + b + rest.length; }",
    "const twice = (x) => 2 * x;",
    "const body = (x) => { return x; };",
    "function* gen(n) { yield n; }",
    "function usesArguments() { return arguments.length; }",
    "const obj = { name: 'o', who() { return this.name; } };",
    "function callsSum() { return sum(1, 2); }",
  ].join("\n");
  const { sites, runtime, sandbox } = run(code, "Object.assign(this, { twice, body, obj });");
  const index = (name: string) => sites.find((s) => s.name === name)!.index;
  const seen: unknown[] = [];
  runtime.profiled = [];
  runtime.profiled[index("sum")] = function (this: unknown, ...args: unknown[]) {
    seen.push(["sum", args]);
    return "copy";
  };
  runtime.profiled[index("twice")] = (x: number) => `twice ${x}`;
  runtime.profiled[index("body")] = (x: number) => `body ${x}`;
  runtime.profiled[index("gen")] = function* (n: number) {
    yield `gen ${n}`;
  };
  runtime.profiled[index("usesArguments")] = (...args: unknown[]) => `all ${args.length}`;
  runtime.profiled[index("obj.who")] = function (this: { name: string }) {
    return `copy of ${this.name}`;
  };
  assert.equal(sandbox.callsSum(), "copy", "a caller in the same unit, by name");
  assert.equal(sandbox.sum(5, undefined, 7, 8), "copy");
  assert.deepEqual(seen, [["sum", [1, 2]], ["sum", [5, 1, 7, 8]]], "defaults applied once, rest passed on");
  assert.equal(sandbox.twice(4), "twice 4");
  assert.equal(sandbox.body(4), "body 4");
  assert.deepEqual([...sandbox.gen(3)], ["gen 3"]);
  assert.equal(sandbox.usesArguments(1, 2, 3), "all 3");
  assert.equal(sandbox.obj.who(), "copy of o");
  assert.equal(runtime.calls[index("sum")], 2, "calls are counted on the way");
  runtime.profiled = null;
  assert.equal(sandbox.sum(1, 2), 3, "back to the original");
});

test("functions whose calls cannot be handed on say so: constructors, arrows in class fields, arrows destructuring computed keys", () => {
  const sites = findFunctions(acorn.parse("class A { constructor() {} f = () => 1; }\nconst g = ({ [k]: x }) => x;\nconst h = (x) => x;", PARSE_OPTIONS));
  assert.deepEqual(
    sites.map((s) => [s.name, s.forward !== null]),
    [
      ["A.constructor", false],
      ["A.f", false],
      ["g", false],
      ["h", true],
    ],
  );
});

test("an arrow with destructured parameters hands its copy arguments rebuilt from the bound names", () => {
  const code = "const area = ({ w, h: [top, bottom = 1], 'd-d': d, ...more }, [first, , third] = [], ...[last]) => 0;";
  const { sites, runtime, sandbox } = run(code, "this.area = area;");
  let received: unknown[] = [];
  runtime.profiled = [];
  runtime.profiled[sites[0].index] = (...args: unknown[]) => ((received = args), "copy");
  assert.equal(sandbox.area({ w: 2, h: [3], "d-d": 4, x: 5 }, [6, 7, 8], 9, 10), "copy");
  // The arguments were made in the sandbox's realm: compare their JSON (a hole reads as null there).
  assert.deepEqual(JSON.parse(JSON.stringify(received)), [{ w: 2, h: [3, 1], "d-d": 4, x: 5 }, [6, null, 8], 9]);
  assert.ok(!(1 in (received[1] as unknown[])), "an elision stays a hole, as the copy's pattern skips it");
});

test("executedText is what Function.prototype.toString returns", () => {
  const { sites, sandbox } = run(js, "this.fns = [matmul, double, Net.prototype.forward, Net.make, obj.run];");
  sandbox.fns.forEach((fn: Function, i: number) => assert.ok(sites[i].executedText.endsWith(fn.toString())));
});
