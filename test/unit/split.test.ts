import { test } from "node:test";
import assert from "node:assert/strict";
import { splitCell } from "../../magics/split";

test("line magics anywhere split the cell; code keeps its cell line numbers", () => {
  const parts = splitCell("let a = 1;\n%prun -s time f(a)\nconsole.log(a)\n\n%lsmagic");
  assert.deepEqual(parts, [
    { kind: "code", code: "let a = 1;", line: 1 },
    { kind: "magic", form: "line", name: "prun", args: "-s time f(a)", body: "", help: false, line: 2 },
    { kind: "code", code: "console.log(a)\n", line: 3 },
    { kind: "magic", form: "line", name: "lsmagic", args: "", body: "", help: false, line: 5 },
  ]);
});

test("a cell magic on the first line takes the whole cell", () => {
  const parts = splitCell("\n%%prun -s cumulative\nf();\n%lsmagic");
  assert.deepEqual(parts, [{ kind: "magic", form: "cell", name: "prun", args: "-s cumulative", body: "f();\n%lsmagic", help: false, line: 2 }]);
});

test("%name? asks for help; code with % inside lines is code", () => {
  assert.equal((splitCell("%prun?")[0] as any).help, true);
  assert.deepEqual(splitCell("const r = 7 % 3;"), [{ kind: "code", code: "const r = 7 % 3;", line: 1 }]);
});

test("a line magic's value can be assigned, IPython's `t = %timeit -o f()`", () => {
  assert.deepEqual(splitCell("const t = %timeit -o f(1)\nx = %prun -r g()"), [
    { kind: "magic", form: "line", name: "timeit", args: "-o f(1)", body: "", help: false, line: 1, assign: "const t" },
    { kind: "magic", form: "line", name: "prun", args: "-r g()", body: "", help: false, line: 2, assign: "x" },
  ]);
});
