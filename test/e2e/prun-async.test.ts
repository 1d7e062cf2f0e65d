/**
 * %prun where the time goes after an await (issue 23): a library's continuation, cell async
 * functions awaiting timers (the async call tree), a function blocking the event loop, a callee
 * V8 inlined, and real packages: @tensorflow/tfjs's model.fit and ml-matrix's mmul. Hand-written
 * packages go in the notebook folder's own node_modules; the real ones are linked there from
 * the repository's devDependencies.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { FunctionRef } from "../../magics/model/profile";
import { ROOT, startJupyter, startKernel, type Execution, type JupyterHandle, type KernelHandle } from "./harness";

const ASYNC_LIB = `function spin(n) { let s = 0; for (let i = 0; i < n; i++) s += Math.sqrt(i); return s; }
exports.workAsync = async (n) => { await new Promise((r) => setImmediate(r)); return spin(n); };
exports.anon = [1, 2, 3].map(function (x) { return () => spin(x * 1e6); })[2];
`;

let jupyter: JupyterHandle;
let kernel: KernelHandle;
let dir: string;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsprof-async-"));
  const lib = path.join(dir, "node_modules", "asynclib");
  fs.mkdirSync(lib, { recursive: true });
  fs.writeFileSync(path.join(lib, "index.js"), ASYNC_LIB);
  fs.writeFileSync(path.join(lib, "package.json"), JSON.stringify({ name: "asynclib", main: "index.js" }));
  fs.mkdirSync(path.join(dir, "node_modules", "@tensorflow"));
  fs.symlinkSync(
    path.join(ROOT, "node_modules", "@tensorflow", "tfjs"),
    path.join(dir, "node_modules", "@tensorflow", "tfjs"),
  );
  fs.symlinkSync(path.join(ROOT, "node_modules", "ml-matrix"), path.join(dir, "node_modules", "ml-matrix"));
  jupyter = await startJupyter({ notebookDir: dir });
  kernel = await startKernel(jupyter);
  await ok(`const lib = require("asynclib");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
function spin(n: number): number { let s = 0; for (let i = 0; i < n; i++) s += Math.sqrt(i); return s; }
async function fetchUser(i: number) { await sleep(50); return spin(1e5); }
async function fetchAll(n: number) { const out = []; for (let i = 0; i < n; i++) out.push(await fetchUser(i)); return out; }
function block(ms: number) { const end = Date.now() + ms; while (Date.now() < end); }
async function blocker() { await sleep(20); block(200); await sleep(20); block(80); }`);
});

after(async () => {
  await kernel?.shutdown();
  await jupyter?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function ok(code: string): Promise<Execution> {
  const run = await kernel.execute(code, { timeoutMs: 300_000 });
  assert.equal(run.status, "ok", run.text);
  return run;
}

const table = (run: Execution) => String(run.displays[0]?.["text/plain"] ?? "");

/** [tottime, description] of every row. */
function rows(text: string): [number, string][] {
  return text
    .split("\n")
    .filter((l) => /^ +[\d-]+ +\d+\.\d{3} /.test(l))
    .map((l) => [Number(l.slice(10, 18)), l.slice(46)]);
}

const totalOf = (text: string) => Number(/ in (\d+\.\d{3}) seconds/.exec(text)![1]);

describe("%prun: nothing dropped after an await", () => {
  test("a library's continuation after setImmediate is in the table, and the rows add up to the wall time within 5%", async () => {
    const text = table(await ok("%prun await lib.workAsync(3e7)"));
    const spin = rows(text).find(([, d]) => d === "node_modules/asynclib/index.js:1(spin)");
    assert.ok(spin && spin[0] > 0.01, text);
    const sum = rows(text).reduce((s, [t]) => s + t, 0);
    assert.ok(
      Math.abs(sum - totalOf(text)) <= 0.05 * totalOf(text) + 0.002,
      `rows ${sum} vs ${totalOf(text)}\n${text}`,
    );
    assert.match(
      text,
      /calls counted \(cell and local-module functions\) in \d+\.\d{3} seconds; library calls are timed, not counted/,
    );
  });

  test("an anonymous library function is named once by its place", async () => {
    const text = table(await ok("%prun lib.anon()"));
    assert.ok(text.includes("node_modules/asynclib/index.js:3(<anonymous>)"), text);
    assert.ok(!text.includes("<anonymous>@"), text);
  });
});

describe("%prun: the async call tree", () => {
  test("fetchAll → fetchUser ×5 → awaiting sleep holds the statement's wall time, in the text, the chart and -r's profile", async () => {
    const run = await ok("const profiled = %prun -r await fetchAll(5)");
    const text = table(run);
    const tree = text.slice(text.indexOf("Async call tree"));
    assert.match(
      tree,
      /\n +0\.2\d\d +\d+\.\d  +<cell \d+>:5\(fetchAll\)\n +0\.2\d\d +\d+\.\d  +<cell \d+>:4\(fetchUser\) ×5\n +0\.2\d\d +\d+\.\d  +awaiting <cell \d+>:2\(sleep\) ×5\n/,
      tree,
    );
    const result =
      await ok(`const awaitNode = (n: any): any => n.fn.category === "await" ? n : n.children.map(awaitNode).find(Boolean);
console.log(JSON.stringify([profiled.async.awaiting, profiled.async.tree.totalTime, profiled.table.totalTime, awaitNode(profiled.async.tree).fn]))`);
    const [awaiting, total, wall, awaited] = JSON.parse(result.stdout) as [number, number, number, FunctionRef];
    assert.deepEqual(
      { ...awaited, file: awaited.file.replace(/\d+/, "N") },
      {
        name: "sleep",
        file: "<cell N>",
        line: 2,
        category: "await",
      },
    );
    assert.ok(awaiting >= 0.9 * wall && total >= 0.95 * wall, `${awaiting} ${total} ${wall}`);
    assert.ok(
      run.displays.some((d) => {
        const json = JSON.stringify(d);
        return json.includes("wall-clock time across awaits") && json.includes('"awaiting sleep"');
      }),
      "an async icicle chart with an awaiting sleep box",
    );
  });
});

describe("%prun: the event loop blocked", () => {
  test("a function that blocks for 200 ms inside an async flow is named, longest stretch first; -b sets the threshold", async () => {
    const text = table(await ok("%prun await blocker()"));
    const report = text.slice(text.indexOf("Event loop blocked"));
    assert.match(
      report,
      /^Event loop blocked: stretches longer than 50 ms.*\n {2}(19\d|2\d\d) ms from \d+\.\d{3} s:\n +0\.\d{3} s {2}<cell \d+>:6\(block\)/,
      report,
    );
    assert.match(report, /\n {2}[7-9]\d ms from/, report);
    const strict = table(await ok("%prun -b 300 await blocker()"));
    assert.match(strict, /Event loop: never busy without a pause for longer than 300 ms\./, strict);
  });
});

describe("%prun: inlined callees", () => {
  test("Layer.forward, inlined into Relu.forward, keeps time of its own or is named as inlined", async () => {
    await ok(`class Layer { forward(x: number[]): number { let s = 0; for (let i = 0; i < x.length; i++) s += Math.sqrt(x[i] * 1.5 + i); return s; } }
class Relu extends Layer { forward(x: number[]): number { const y = super.forward(x); return y > 0 ? y : 0; } }
const relu = new Relu(); const xs = Array.from({ length: 20000 }, (_, i) => i);
function runRelu(n: number) { let t = 0; for (let i = 0; i < n; i++) t += relu.forward(xs); return t; }
runRelu(3000);`);
    const text = table(await ok("%prun runRelu(3000)"));
    const layer = rows(text).find(([, d]) => /Layer\.forward\)$/.test(d));
    assert.ok(
      (layer && layer[0] > 0) || /most likely inlined by V8 into their callers.*Layer\.forward/.test(text),
      text,
    );
  });
});

describe("%prun on real packages", () => {
  test("tfjs model.fit: most of the time is in tfjs's own functions", async () => {
    await ok(`const tf = require("@tensorflow/tfjs");
const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [32], units: 64, activation: "relu" }), tf.layers.dense({ units: 1 })] });
model.compile({ optimizer: "sgd", loss: "meanSquaredError" });
const x = tf.randomNormal([512, 32]); const y = tf.randomNormal([512, 1]);
await model.fit(x, y, { epochs: 1, batchSize: 64, verbose: 0 });`);
    const text = table(await ok("%prun await model.fit(x, y, { epochs: 2, batchSize: 64, verbose: 0 })"));
    const all = rows(text).filter(([, d]) => d !== "{(idle)}");
    const inTfjs = all.filter(([, d]) => d.includes("@tensorflow/")).reduce((s, [t]) => s + t, 0);
    const sum = all.reduce((s, [t]) => s + t, 0);
    assert.ok(inTfjs > 0.5 * sum, `tfjs ${inTfjs} of ${sum}\n${text}`);
    assert.match(text, /library calls are timed, not counted/);
  });

  test("ml-matrix mmul: its functions are rows, and the summary claims no total of calls", async () => {
    await ok(`const { Matrix } = require("ml-matrix"); const a = Matrix.rand(150, 150), b = Matrix.rand(150, 150);`);
    const text = table(await ok("%prun a.mmul(b)"));
    assert.ok(
      rows(text).some(([t, d]) => t > 0 && d.includes("ml-matrix")),
      text,
    );
    assert.match(
      text,
      /^ +1 calls counted \(cell and local-module functions\) in \d+\.\d{3} seconds; library calls are timed, not counted/,
    );
  });
});
