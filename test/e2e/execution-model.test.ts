/**
 * Cells run as written, through a real Jupyter server: a function sees the binding a later cell
 * assigns, names can be declared again, a cell that throws keeps what it bound, top-level `await`
 * in every form, and %prun still counts calls exactly.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { kernelForFile } from "./harness";

const session = kernelForFile();
const { ok } = session;
const value = async (code: string) => String((await ok(code)).result?.["text/plain"]);

describe("cells run as written", () => {
  test("a function sees the binding a later cell assigns, and one a later cell declares again", async () => {
    await ok("let z = 0;\nfunction readZ() { return z; }");
    await ok("z = 5;");
    assert.equal(await value("readZ()"), "5");
    await ok("const z = 'declared again';");
    assert.equal(await value("readZ()"), "'declared again'");
  });

  test("let, const, class, function and enum are declared again by running a cell again", async () => {
    const cell =
      "let a = 1;\nconst b = 2;\nclass K { v = 3; }\nfunction f() { return 4; }\nenum E { X = 5 }\na + b + new K().v + f() + E.X";
    assert.equal(await value(cell), "15");
    assert.equal(await value(cell), "15");
  });

  test("a cell that throws keeps the names it bound before the error", async () => {
    const failed = await session.kernel.execute(
      "const bound = 41;\nthrow new Error('part-way');\nconst unreached = 1;",
    );
    assert.equal(failed.status, "error");
    assert.equal(await value("bound + 1"), "42");
    const missing = await session.kernel.execute("unreached");
    assert.match(missing.text, /Cannot find name 'unreached'/);
  });

  test("top-level await in every form, await (expr) included", async () => {
    assert.equal(await value("await (async () => 41)() + 1"), "42");
    assert.equal(await value("const got = await Promise.resolve(7);\ngot * 2"), "14");
    assert.equal(await value("got"), "7");
  });

  test("a cell function's text is its compiled code: toString, new Function and a worker built from it run", async () => {
    await ok("function twice(n: number) {\n  return n * 2;\n}\nconst inc = (n: number) => n + 1;");
    assert.equal(await value("JSON.stringify(String(twice))"), `'"function twice(n) {\\\\n    return n * 2;\\\\n}"'`);
    assert.equal(await value("`${inc}`"), "'(n) => n + 1'");
    assert.equal(await value('new Function("return (" + twice.toString() + ")(10)")()'), "20");
    const worker =
      'const { Worker } = require("node:worker_threads");\n' +
      "const w = new Worker(`require('node:worker_threads').parentPort.postMessage((${twice})(21))`, { eval: true });\n" +
      'await new Promise((resolve) => w.once("message", resolve))';
    assert.equal(await value(worker), "42");
    await ok("const counted = %prun -r -q twice(1) + twice(2) + inc(3);");
    assert.equal(await value("counted.table.rows.find((r) => r.fn.name === 'twice').ncalls"), "2");
  });

  test("%prun counts a cell function's calls exactly", async () => {
    await ok("function heavy(n: number) {\n  let s = 0;\n  for (let i = 0; i < n; i++) s += i;\n  return s;\n}");
    await ok("const calls = %prun -r -q for (let i = 0; i < 5; i++) heavy(10);");
    assert.equal(await value("calls.table.rows.find((r) => r.fn.name === 'heavy').ncalls"), "5");
  });
});
