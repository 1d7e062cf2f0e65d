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
    /obj\.value is not a function defined in main\.js/,
  );
  assert.throws(
    () => scriptTargets(units, "/s/main.js", ["Net.prototype.create"], [], "/s"),
    /is not a function defined in main\.js/,
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
