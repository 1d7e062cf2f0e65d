import { test } from "node:test";
import assert from "node:assert/strict";
import { ScriptUnits } from "../../kernel/cli/script-units";
import { scriptTargets } from "../../kernel/cli/script-targets";
import { sourceCandidates } from "../../kernel/cli/source-paths";
import type { CompiledFile } from "../../kernel/cli/compile";

const MAIN = `function matmul(a, b) { return a; }
class Net {
  forward(x) { return x; }
  static create() { return new Net(); }
}
const obj = { run() { return 1; }, value: 2 };
const arrow = (x) => x + 1;
let Decorated = (() => { return class Decorated { step() { return 0; } }; })();
`;
const LIB = `export function square(x) {
  return x * x;
}
export const cube = (x) => x * x * x;
`;

function file(name: string, js: string, markers: CompiledFile["markers"] = []): CompiledFile {
  return {
    file: `/s/${name}`,
    source: js,
    js,
    map: null,
    format: name.endsWith(".mjs") ? "module" : "commonjs",
    markers,
  };
}

const units = new ScriptUnits(
  [
    file("main.js", MAIN, [
      { line: 3, name: "forward" },
      { line: 7, name: "arrow" },
    ]),
    file("lib.mjs", LIB),
  ],
  "/s",
);
const main = units.unitOf("/s/main.js")!;
const lib = units.unitOf("/s/lib.mjs")!;

/** The first line of the code at each target's offset, in the unit's executed code. */
function linesOf(unit: typeof main, starts: number[] | undefined): string[] {
  return (starts ?? []).map((start) => unit.code.slice(start).split("\n")[0]);
}

test("-f finds a script's functions where they are defined: a function, a method, a static method, an object's method, a class, a decorated class's method", () => {
  const targets = scriptTargets(
    units,
    "/s/main.js",
    ["matmul", "Net.prototype.forward", "Net.create", "obj.run", "Net", "arrow", "Decorated.prototype.step"],
    [],
    "/s",
  );
  const found = linesOf(main, targets.compiled.get(main));
  const expected = ["function matmul(a, b)", "(x) {", "() {", "() {", "class Net {", "(x) =>", "() {"];
  assert.equal(found.length, expected.length);
  found.forEach((line, i) => assert.ok(line.startsWith(expected[i]), `${i}: ${line}`));
  assert.deepEqual(targets.packages, []);
});

test("-f FILE:NAME and -m FILE reach another file of the script; PACKAGE:PATH is left for the package once loaded", () => {
  const targets = scriptTargets(
    units,
    "/s/main.js",
    ["./lib.mjs:square", "ml-matrix:Matrix.prototype.mmul"],
    ["./lib.mjs"],
    "/s",
  );
  assert.equal(targets.compiled.get(lib)?.length, 3, "square, then square and cube from -m");
  assert.deepEqual(targets.packages, [
    { expression: "ml-matrix:Matrix.prototype.mmul", specifier: "ml-matrix", path: ["Matrix", "prototype", "mmul"] },
  ]);
});

const SHAPES = `class Layer {
  forward(x) { return x; }
}
class Net extends Layer {
  run = (n) => n;
  constructor() { super(); this.step = function (y) { return y; }; }
  get size() { return 1; }
  set size(v) {}
}
function makeScale(k) {
  function scale(v) { return v * k; }
  return scale;
}
function pick(a) { if (a) return (x) => x; return (y) => y; }
const net = new Net();
const scale = makeScale(2);
const bound = net.run.bind(net);
const { Matrix: M } = require("ml-matrix");
const [first] = [makeScale(1)];
const matrix = new (require("ml-matrix").Matrix)(2, 2);
const either = pick(true);
`;
const shapes = new ScriptUnits([file("shapes.js", SHAPES)], "/s");
const shapesUnit = shapes.unitOf("/s/shapes.js")!;

test("-f follows what a top-level name holds: an instance's inherited method, field and constructor function, a getter or setter, a factory's inner function, a bound function, a package's instance", () => {
  const targets = scriptTargets(
    shapes,
    "/s/shapes.js",
    [
      "net.forward",
      "net.run",
      "net.step",
      "Net.prototype.size",
      "Object.getOwnPropertyDescriptor(Net.prototype, 'size').set",
      "scale",
      "bound",
      "matrix.mmul",
      "M.prototype.add",
    ],
    [],
    "/s",
  );
  assert.deepEqual(
    linesOf(shapesUnit, targets.compiled.get(shapesUnit)).map((l) => l.split(/\{|=>/)[0].trim()),
    ["(x)", "(n)", "function (y)", "()", "(v)", "function scale(v)", "(n)"],
  );
  assert.deepEqual(targets.packages, [
    { expression: "matrix.mmul", specifier: "ml-matrix", path: ["Matrix", "prototype", "mmul"] },
    { expression: "M.prototype.add", specifier: "ml-matrix", path: ["Matrix", "prototype", "add"] },
  ]);
  assert.deepEqual(targets.notes, [
    "-f scale: makeScale(2) returns a closure: every closure of that function is counted (tsprof counts a script's function by its code).",
    "-f bound: net.run.bind(net) is a bound function: the function it calls is profiled.",
  ]);
});

test("what is known only as the script runs is refused in one line that says why", () => {
  for (const [name, why] of [
    ["either", /pick\(true\) returns a value tsprof cannot follow before the script runs/],
    [
      "first",
      /^first: tsprof cannot tell which function this is before the script runs: first is destructured from \[makeScale\(1\)\] \(/,
    ],
  ] as const)
    assert.throws(
      () => scriptTargets(shapes, "/s/shapes.js", [name], [], "/s"),
      (e: Error) => {
        assert.match(e.message, why);
        assert.ok(!e.message.includes("\n"), e.message);
        return true;
      },
    );
});

test("no -f: the functions marked with profile, matched by their first line", () => {
  const targets = scriptTargets(units, "/s/main.js", [], [], "/s");
  assert.equal(targets.compiled.size, 1);
  assert.deepEqual(
    targets.compiled.get(main)!.map((start) => main.code.slice(start, start + 3)),
    ["(x)", "(x)"],
  );
});

test("a name that is not a function defined there is refused before the script runs", () => {
  assert.throws(
    () => scriptTargets(units, "/s/main.js", ["nosuch"], [], "/s"),
    /nosuch is not a function: main\.js defines no function, class or object named nosuch/,
  );
  assert.throws(
    () => scriptTargets(units, "/s/main.js", ["obj.value"], [], "/s"),
    /^UsageError: obj\.value is not a function: the object literal in main\.js defines no function value\.$/,
  );
  assert.throws(
    () => scriptTargets(units, "/s/main.js", ["Net.prototype.create"], [], "/s"),
    /Net in main\.js defines no function create\.$/,
  );
  assert.throws(
    () => scriptTargets(units, "/s/main.js", ["obj"], [], "/s"),
    /obj is not a function: in main\.js it is an object literal\./,
  );
  assert.throws(
    () => scriptTargets(units, "/s/main.js", ["./other.ts:f"], [], "/s"),
    /\.\/other\.ts is not one of the script's files/,
  );
  const unmarked = new ScriptUnits([file("plain.js", "function f() {}\n")], "/s");
  assert.throws(() => scriptTargets(unmarked, "/s/plain.js", [], [], "/s"), /needs a function to profile/);
});

test("a TypeScript file imported as .js, or without its extension, is found", () => {
  assert.deepEqual(sourceCandidates("/s/lib.js").slice(0, 2), ["/s/lib.ts", "/s/lib.tsx"]);
  assert.equal(sourceCandidates("/s/lib.mjs")[0], "/s/lib.mts");
  assert.ok(sourceCandidates("/s/lib").includes("/s/lib.ts"));
  assert.ok(sourceCandidates("/s/dir").includes("/s/dir/index.ts"));
});
