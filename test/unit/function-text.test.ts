import { test } from "node:test";
import assert from "node:assert/strict";
import vm from "node:vm";
import * as acorn from "acorn";
import { findFunctions, PARSE_OPTIONS } from "../../kernel/instrument/functions";
import { instrumentUnit, TWIN_SPOT } from "../../kernel/instrument/instrument";
import { executedText, showWrittenText, writtenText } from "../../kernel/instrument/function-text";

const js = [
  "function matmul(a, b) {",
  '  "use strict";',
  "  return a * b;",
  "}",
  "const nested = (x) => (y) => x + y;",
  'const tricky = (s) => s.replace(/[)]/g, ")") + `)${(() => ")")()}` + ")";',
  "const object = () => ({ a: 1 });",
  "const waits = async (p) => await p;",
  "class Buf { data = []; static count = 0; constructor(n) { for (let i = 0; i < n; i++) this.data.push(i); }",
  "  get size() { return this.data.length; } static make() { return new Buf(1); } }",
  "const obj = { run() { return [1, 2, 3].map((v) => v + 1); }, set v(x) {} };",
].join("\n");

function instrumented(code: string) {
  const program = acorn.parse(code, PARSE_OPTIONS);
  const sites = findFunctions(program);
  return { code: instrumentUnit(code, program, sites, 0, null).toString(), sites };
}

test("the written text of a unit's code, and of each function, is its compiled text without counters or twin spots", () => {
  const { code, sites } = instrumented(js);
  assert.ok(code.includes(TWIN_SPOT));
  assert.ok(writtenText(code).endsWith(js));
  for (const site of sites) assert.equal(writtenText(site.executedText), js.slice(site.start, site.end), site.name);
});

test("text with no twin spot is left as it is", () => {
  const text = "function f() { return '(__tsprof_k.active && __tsprof_c[0]++), '; }";
  assert.equal(writtenText(text), text);
});

test("Function.prototype.toString gives the written text, and code rebuilt from it runs without tsprof", () => {
  showWrittenText();
  const counting = { active: 1 };
  (globalThis as any).__tsprof__ = { unit: () => ({ calls: new Uint32Array(64) }), counting };
  const names =
    "[matmul, nested, tricky, object, waits, Buf, obj.run, Object.getOwnPropertyDescriptor(Buf.prototype, 'size').get]";
  const { code, sites } = instrumented(js);
  const fns: Function[] = vm.runInThisContext(`(() => {\n${code}\nreturn ${names};\n})()`);
  const [matmul, nested, tricky, , , Buf] = fns;
  assert.equal(matmul.toString(), js.split("\n").slice(0, 4).join("\n"));
  assert.equal(String(nested), "(x) => (y) => x + y");
  assert.ok(`${Buf}`.startsWith("class Buf { data = [];"));
  for (const fn of fns) assert.ok(!String(fn).includes("__tsprof") && !String(fn).includes(TWIN_SPOT), String(fn));
  assert.notEqual(executedText(matmul), matmul.toString());
  const inner = nested(1);
  const executed = [...fns, inner].filter((fn) => fn !== Buf).map(executedText);
  for (const text of executed)
    assert.ok(
      sites.some((site) => site.executedText === text),
      text,
    );
  delete (globalThis as any).__tsprof__;
  // Rebuilt where no counters exist, as `new Function` and a worker built from a function's source do.
  assert.equal(new Function(`return (${tricky})("a)")`)(), "a))))");
  assert.equal(new Function(`return (${nested})(1)(2)`)(), 3);
  assert.equal(new Function(`return new (${Buf})(3).size`)(), 3);
  assert.equal(Function.prototype.toString.call(Function.prototype.toString), "function toString() { [native code] }");
  assert.equal(Function.prototype.toString.name, "toString");
  assert.equal(Object.prototype.propertyIsEnumerable.call(Function.prototype, "toString"), false);
  assert.match(Function.prototype.toString.call(Math.max), /\[native code\]/);
});
