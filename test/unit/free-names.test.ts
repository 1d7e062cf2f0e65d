import { test } from "node:test";
import assert from "node:assert/strict";
import * as acorn from "acorn";
import { PARSE_OPTIONS } from "../../kernel/instrument";
import { freeReferences } from "../../kernel/free-names";

/** The free references to `names` in the first function of `js`, as `name@line:column` (shorthand ones marked). */
function free(js: string, names: string[]): string[] {
  const fn = acorn.parse(js, PARSE_OPTIONS).body[0] as acorn.FunctionDeclaration;
  return freeReferences(fn, new Set(names)).map(({ node, shorthand }) => `${node.name}@${node.loc!.start.line}:${node.loc!.start.column}${shorthand ? " shorthand" : ""}`);
}

test("parameters, var (hoisted), let in a block, catch parameters and inner declarations shadow; the rest is free", () => {
  const js = [
    "function f(a, { b = c } = {}) {", // 1: c in a default value is free
    "  use(x);", //                       2: x is used before its var: still the function's
    "  { let y = 1; use(y); }", //        3
    "  use(y);", //                       4: outside the block: free
    "  try {} catch (z) { use(z); }", //  5
    "  use(z, a, b);", //                 6: z free
    "  var x = 2;", //                     7
    "  function g(y) { return y + w; }", // 8: w free, g's y is its own
    "  for (let i of [w]) use(i);", //    9
    "  return use(i);", //                10: i free
    "}",
  ].join("\n");
  assert.deepEqual(free(js, ["a", "b", "c", "x", "y", "z", "w", "i", "use"]), [
    "c@1:20",
    "use@2:2",
    "use@3:15",
    "use@4:2",
    "y@4:6",
    "use@5:21",
    "use@6:2",
    "z@6:6",
    "w@8:29",
    "w@9:17",
    "use@9:21",
    "use@10:9",
    "i@10:13",
  ]);
});

test("keys, member names, labels and new.target are not references; computed ones and shorthands are", () => {
  const js = [
    "function f() {",
    "  const o = { k: 1, [k]: 2, k2 };", // k key not a ref; [k] is; k2 shorthand
    "  o.k; o[k];",
    "  k: for (;;) { break k; }",
    "  ({ k2 = 1 } = o);", //               shorthand with default, in an assignment
    "  class C { k() { return new.target; } [k2] = 1; }",
    "}",
  ].join("\n");
  assert.deepEqual(free(js, ["k", "k2", "target"]), ["k@2:21", "k2@2:28 shorthand", "k@3:9", "k2@5:5 shorthand", "k2@6:40"]);
});

test("a named function or class expression's own name, and `arguments`, are not the outer ones", () => {
  const js = "function f() { const g = function h() { return h; }; const C = class D { m() { return D; } }; return [h, D, arguments]; }";
  assert.deepEqual(free(js, ["h", "D", "arguments"]), ["h@1:102", "D@1:105"]);
});
