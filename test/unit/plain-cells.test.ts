/**
 * A cell that declares nothing is checked and emitted with the program the last compile left
 * (plain-cells.ts): its result must be the converter's own, byte for byte, and every cell the
 * converter must see (declarations, errors, top-level await, modules, directives) must go to it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { converter } from "../../kernel/compiler-thread/tslab-compiler";
import {
  convertPlainCell,
  prepareForPlainCells,
  PLAIN_CELLS_PER_PROGRAM,
} from "../../kernel/compiler-thread/plain-cells";

const NOTEBOOK = `function one(): number { return 1; }
const enum Dir { Up = 1, Down }
enum Color { Red, Green }
let z = 0;
const data = [1, 2, 3];
interface Point { x: number; y: number }
function norm(p: Point): number { return Math.hypot(p.x, p.y); }`;

const PLAIN = [
  "one()",
  "z += 1; z",
  "for (let i = 0; i < 3; i++) z += i",
  "for (const v of data) z += v",
  "Dir.Up + Color.Green",
  "if (z > 2) { console.log(z); } else throw new Error('small')",
  "label: for (;;) break label;",
  "try { one(); } catch (e) { console.log(e); } finally {}",
  "[1, 2].map((x: number) => x + one()) as number[]",
  "norm({ x: 3, y: 4 })",
  "`${one()}`",
  "new (class { constructor(public a = 1) {} })().a",
  "{ function inner() { return z; } inner(); }",
];

const NOT_PLAIN = {
  "a declaration": "const w = one();",
  "a var in a block (a name of the file's)": "{ var w = 1; }",
  "a type error": 'one("x")',
  "an unknown name": "undefinedName",
  "a top-level await": "await Promise.resolve(1)",
  "a dynamic import": "import('fs')",
  "an import": 'import { join } from "path";\njoin("a")',
  "a directive": "// @ts-expect-error\none()",
  "a reference": '/// <reference lib="dom" />\none()',
  "a syntax error": "one(",
};

function notebook() {
  const cells = converter.createConverter({ isJS: false, isBrowser: false });
  const prevDecl = cells.convert("", NOTEBOOK).declOutput ?? "";
  cells.convert(prevDecl, "one()");
  return { cells, prevDecl };
}

test("a cell that declares nothing: the converter's result, from the last program", () => {
  const { cells, prevDecl } = notebook();
  try {
    for (const cell of PLAIN) {
      const plain = convertPlainCell(cells, prevDecl, cell);
      assert.ok(plain, `taken the plain way: ${cell}`);
      const converted = cells.convert(prevDecl, cell);
      assert.deepEqual(converted.diagnostics, [], cell);
      assert.equal(plain.output, converted.output, cell);
      assert.equal(plain.declOutput, converted.declOutput, cell);
      assert.equal(!!converted.hasToplevelAwait, false, cell);
      assert.equal(converted.sideOutputs, undefined, cell);
    }
  } finally {
    cells.close();
  }
});

test("every other cell goes to the converter", () => {
  const { cells, prevDecl } = notebook();
  try {
    for (const [what, cell] of Object.entries(NOT_PLAIN)) {
      assert.equal(convertPlainCell(cells, prevDecl, cell), null, what);
    }
    assert.equal(
      convertPlainCell(cells, prevDecl + "declare let other: number;\n", "one()"),
      null,
      "other declarations",
    );
  } finally {
    cells.close();
  }
});

test("after a cell with errors, with declarations (run again or not), or with a global augmentation, the next plain cell goes to the converter once", () => {
  const { cells, prevDecl } = notebook();
  try {
    assert.ok(cells.convert(prevDecl, 'one("x")').diagnostics.length > 0);
    assert.equal(convertPlainCell(cells, prevDecl, "one()"), null, "after errors");
    cells.convert(prevDecl, "one()");
    assert.ok(convertPlainCell(cells, prevDecl, "one()"), "after a clean cell");
    const again = cells.convert(prevDecl, NOTEBOOK).declOutput ?? "";
    assert.equal(again, prevDecl, "the notebook's cell run again declares the same");
    assert.equal(convertPlainCell(cells, again, "one()"), null, "after a cell that declared names");
    cells.convert(again, "one()");
    assert.ok(convertPlainCell(cells, again, "z + norm({ x: 1, y: 1 })"), "then the plain way again");
    cells.convert(prevDecl, "declare global { var shared: number }\nexport {};");
    assert.equal(convertPlainCell(cells, prevDecl, "one()"), null, "after declare global");
  } finally {
    cells.close();
  }
});

test("while idle after a cell that declared names, the converter readies a program the next plain cell takes", () => {
  const { cells, prevDecl } = notebook();
  try {
    const declared = cells.convert(prevDecl, "const added = one() + 1;").declOutput ?? "";
    assert.equal(convertPlainCell(cells, declared, "added + z"), null, "right after the declaring cell");
    prepareForPlainCells(cells, declared);
    const plain = convertPlainCell(cells, declared, "added + z");
    assert.ok(plain, "after the preparation");
    assert.equal(plain.output, cells.convert(declared, "added + z").output);
  } finally {
    cells.close();
  }
});

test("one program serves a bounded number of plain cells: then one goes to the converter, and its program serves the next", () => {
  const { cells, prevDecl } = notebook();
  try {
    for (let i = 0; i < PLAIN_CELLS_PER_PROGRAM; i++)
      assert.ok(convertPlainCell(cells, prevDecl, `z + ${i}`), `cell ${i}`);
    assert.equal(convertPlainCell(cells, prevDecl, "z"), null);
    cells.convert(prevDecl, "z");
    assert.ok(convertPlainCell(cells, prevDecl, "z"));
  } finally {
    cells.close();
  }
});
