/**
 * Cells run as written, through a real Jupyter server: a function sees the binding a later cell
 * assigns, names can be declared again, a function's text is its compiled code (so `new
 * Function` and workers built from it run), top-level `await` in every form, and %prun still
 * counts calls exactly without any of that showing in the functions.
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
    const cell = "let a = 1;\nconst b = 2;\nclass K { v = 3; }\nfunction f() { return 4; }\nenum E { X = 5 }\na + b + new K().v + f() + E.X";
    assert.equal(await value(cell), "15");
    assert.equal(await value(cell), "15");
  });

  test("a cell that throws keeps the names it bound before the error", async () => {
    const failed = await session.kernel.execute("const bound = 41;\nthrow new Error('part-way');\nconst unreached = 1;");
    assert.equal(failed.status, "error");
    assert.equal(await value("bound + 1"), "42");
    const missing = await session.kernel.execute("unreached");
    assert.match(missing.text, /Cannot find name 'unreached'/);
  });

  test("a function's text is its compiled code: nothing of tsprof's, before and after %prun", async () => {
    await ok("function heavy(n: number) {\n  let s = 0;\n  for (let i = 0; i < n; i++) s += i;\n  return s;\n}");
    const text = await value("heavy.toString()");
    assert.equal(text, "'function heavy(n) {\\n' +\n  '    let s = 0;\\n' +\n  '    for (let i = 0; i < n; i++)\\n' +\n  '        s += i;\\n' +\n  '    return s;\\n' +\n  '}'");
    await ok("%prun -q heavy(1000)");
    assert.equal(await value("heavy.toString()"), text);
  });

  test("new Function and a worker built from a cell function's source run it", async () => {
    assert.equal(await value('new Function("return (" + heavy.toString() + ")(10)")()'), "45");
    const fromWorker = await value(`import { Worker } from "node:worker_threads";
await new Promise((resolve, reject) => {
  const worker = new Worker(\`const { parentPort } = require("node:worker_threads"); parentPort.postMessage((\${heavy.toString()})(100));\`, { eval: true });
  worker.once("message", resolve);
  worker.once("error", reject);
})`);
    assert.equal(fromWorker, "4950");
  });

  test("top-level await in every form, await (expr) included", async () => {
    assert.equal(await value("await (async () => 41)() + 1"), "42");
    assert.equal(await value("const got = await Promise.resolve(7);\ngot * 2"), "14");
    assert.equal(await value("got"), "7");
  });

  test("%prun counts a cell function's calls exactly", async () => {
    await ok("const calls = %prun -r -q for (let i = 0; i < 5; i++) heavy(10);");
    assert.equal(await value("calls.table.rows.find((r) => r.fn.name === 'heavy').ncalls"), "5");
  });
});
