/**
 * %lprun with worker threads, through a real Jupyter server and the installed kernel: a copy of
 * the profiled function running in a worker the statement starts (from a file both threads
 * load), and in a worker an earlier cell started (from a string run with eval: true, which the
 * notebook also ran), each with exact hits on named lines in a table headed by its thread; an
 * interrupt, after which the worker's code is its own again; a worker with no copy, and one whose
 * copy is running when the statement starts, named in a note.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { kernelForFile, type Execution } from "./harness";
import { hitsOn, tables, type Table } from "./line-tables";

/** Line 2: `let s`, 3: the `for` header, 4: its body, 6: `return`. */
const LIB = `exports.spin = function spin(n) {
  let s = 0;
  for (let i = 0; i < n; i++) {
    s += Math.sqrt(i);
  }
  return s;
};
`;

/** The same lines in a string: line 1 is `function spin`. */
const DEFINITIONS = `import { Worker } from "node:worker_threads";
const lib = require("./spin-lib.js");
const LIB_PATH = require.resolve("./spin-lib.js");
/** A worker started by the statement that loads the file and spins n steps, k times, then ends. */
function fileWorker(n: number, k: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const w = new Worker("const { spin } = require(" + JSON.stringify(LIB_PATH) + ");\\nfor (let j = 0; j < " + k + "; j++) spin(" + n + ");", { eval: true });
    w.on("exit", resolve);
    w.on("error", reject);
  });
}
const SPIN = "function spin(n) {\\n  let s = 0;\\n  for (let i = 0; i < n; i++) {\\n    s += Math.sqrt(i);\\n  }\\n  return s;\\n}";
const spinCopy = (0, eval)("(" + SPIN + ")");
/** A worker that stays, answering each number with a spin of that many steps. */
function server(name: string, code = SPIN) {
  const w = new Worker(code + "\\nconst { parentPort } = require('node:worker_threads');\\nparentPort.on('message', (n) => parentPort.postMessage(spin(n)));", { eval: true, name });
  w.unref();
  return { ask: (n: number) => new Promise<number>((resolve) => { w.once("message", resolve); w.postMessage(n); }), end: () => w.terminate() };
}`;

const session = kernelForFile(async ({ jupyter, ok }) => {
  fs.writeFileSync(path.join(jupyter.notebookDir, "spin-lib.js"), LIB);
  await ok(DEFINITIONS);
});
const { ok } = session;

function threadTable(run: Execution, thread: RegExp): Table {
  const found = tables(run).find((t) => t.thread !== null && thread.test(t.thread));
  assert.ok(found, `no table for ${thread} in:\n${run.displays[0]?.["text/plain"]}\n${run.stdout}`);
  return found;
}

describe("%lprun -f: copies of the function in worker threads", () => {
  test("a worker the statement starts, loading the same file: its calls from the first, exact hits, its own table", async () => {
    const run = await ok("%lprun -f lib.spin lib.spin(10); await fileWorker(1000, 3)");
    const main = threadTable(run, /^main$/);
    assert.deepEqual(hitsOn(main, [2, 3, 4, 6]), [1, 11, 10, 1]);
    const worker = threadTable(run, /^worker \d+ \(eval\)$/);
    assert.deepEqual(hitsOn(worker, [2, 3, 4, 6]), [3, 3003, 3000, 3]);
    assert.ok(worker.header.includes("Function: spin at line 1"), worker.header.join("\n"));
    assert.ok(!/no copy/.test(run.stdout), run.stdout);
    // Afterwards the file's code in the notebook is the original again.
    assert.equal((await ok("lib.spin.toString().includes('__tsprof')")).result?.["text/plain"], "false");
  });

  test("a worker an earlier cell started, running a string the notebook also ran: counted by the same text", async () => {
    await ok("const echo = server('echo');\nawait echo.ask(10);");
    const run = await ok("%lprun -f spinCopy await echo.ask(500); await echo.ask(200)");
    const worker = threadTable(run, /^worker \d+ \(echo\)$/);
    assert.deepEqual(hitsOn(worker, [2, 3, 4, 6]), [2, 702, 700, 2]);
    // The worker's code is its own again: a later call counts nothing and still answers.
    const after = await ok("%lprun -f spinCopy await echo.ask(5)");
    assert.deepEqual(hitsOn(threadTable(after, /^worker \d+ \(echo\)$/), [2, 3, 4, 6]), [1, 6, 5, 1]);
    assert.equal(
      (await ok("await echo.ask(3)")).result?.["text/plain"],
      String(Math.sqrt(0) + Math.sqrt(1) + Math.sqrt(2)),
    );
    await ok("await echo.end()");
  });

  test("an interrupt while the statement runs: KeyboardInterrupt, and the worker's code is its own again", async () => {
    await ok("const spun = server('spun');\nawait spun.ask(10);");
    // Long enough for the live edits to be done, with room for a loaded machine, and the loop running.
    // The worker is asked, not awaited: a loop after an await is outside what SIGINT can stop.
    const run = await session.kernel.executeInterrupted("%lprun -f spinCopy spun.ask(1000); spinCopy(1e12)", 2000);
    assert.equal(run.error?.ename, "KeyboardInterrupt");
    assert.deepEqual(hitsOn(threadTable(run, /^worker \d+ \(spun\)$/), [2, 3, 4, 6]), [1, 1001, 1000, 1]);
    // Had its original not gone back, the next %lprun would find no copy of the function in it.
    const after = await ok("%lprun -f spinCopy await spun.ask(5)");
    assert.deepEqual(hitsOn(threadTable(after, /^worker \d+ \(spun\)$/), [2, 3, 4, 6]), [1, 6, 5, 1]);
    await ok("await spun.end()");
  });

  test("a worker with no copy of the function, and one whose copy is running: the output says so", async () => {
    await ok(
      "const other = server('other', SPIN.replace('let s = 0', 'let s = 1'));\nawait other.ask(10);\nconst busy = server('busy');\nawait busy.ask(10);",
    );
    await ok("const busyAnswer = busy.ask(2e9);");
    const run = await ok("%lprun -f spinCopy await other.ask(100); spinCopy(5)");
    assert.match(
      run.stdout,
      /Worker threads ran during the statement with no copy of spin in them \([^)]*worker \d+ \(other\)/,
    );
    assert.match(run.stdout, /In worker \d+ \(busy\), %lprun could not count spin: V8 would not change its code there/);
    assert.deepEqual(hitsOn(tables(run)[0], [2, 3, 4, 6]), [1, 6, 5, 1]);
    await ok("await busyAnswer; await other.end(); await busy.end()");
  });
});
