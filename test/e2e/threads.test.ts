/**
 * %prun with worker threads, through a real Jupyter server and the installed kernel: a worker
 * the statement starts, one an earlier cell started, one that throws, one that crashes unheard,
 * one blocked in Atomics.wait, one blocked outside JavaScript, an interrupt while workers run,
 * the per-thread .cpuprofile files, %time's CPU per thread, and -t main.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { kernelForFile, type Execution } from "./harness";

/** Line numbers in the worker strings below are theirs: `spin` is on line 1 of SPIN. */
const DEFINITIONS = `import { Worker } from "node:worker_threads";
const SPIN = "function spin(n) { let s = 0; for (let i = 0; i < n; i++) s += Math.sqrt(i); return s; }";
const SERVE = "const { parentPort } = require('node:worker_threads');\\nparentPort.on('message', (n) => parentPort.postMessage(spin(n)));";
/** A worker started by the statement that spins n times, then ends. */
function inWorker(n: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const w = new Worker(SPIN + "\\nspin(" + n + ");", { eval: true });
    w.on("exit", resolve);
    w.on("error", reject);
  });
}
/** A worker that stays, answering each number with a spin of that many steps. */
function server(name: string) {
  const w = new Worker(SPIN + "\\n" + SERVE, { eval: true, name });
  w.unref();
  return { ask: (n: number) => new Promise<number>((resolve) => { w.once("message", resolve); w.postMessage(n); }), end: () => w.terminate() };
}
function thrower(): Promise<string> {
  return new Promise((resolve) => {
    const w = new Worker("function boom() { let s = 0; for (let i = 0; i < 2e7; i++) s += i; throw new Error('boom ' + s); }\\nboom();", { eval: true });
    w.on("error", (e) => resolve(e.message));
  });
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
function mainSpin(n: number): number { let s = 0; for (let i = 0; i < n; i++) s += Math.sqrt(i); return s; }`;

const session = kernelForFile(async ({ ok }) => {
  await ok(DEFINITIONS);
});
const { ok } = session;

const table = (run: Execution) => String(run.displays[0]?.["text/plain"] ?? "");

/** The section of the text table headed `Thread: <label>…`, up to the next one. */
function section(text: string, label: RegExp): string {
  const parts = text.split(/\n(?=Thread: )/);
  const found = parts.find((p) => label.test(p.split("\n")[0]));
  assert.ok(found, `no section ${label} in:\n${text}`);
  return found;
}

/** tottime of the row `description` in a section. */
function tottime(text: string, description: string): number {
  const row = text.split("\n").find((l) => l.endsWith(` ${description}`));
  assert.ok(row, `no row ${description} in:\n${text}`);
  return Number(row.trim().split(/\s+/)[1]);
}

describe("%prun: worker threads", () => {
  test("a worker the statement starts is profiled from its first line: its own section, its function by line, its CPU time", async () => {
    // Long enough for many samples in spin even when the machine is busy and V8's sampler thread waits for a CPU.
    const run = await ok("%prun await inWorker(2e8)");
    const text = table(run);
    assert.match(
      text,
      /\n {9}wall time \d+\.\d{3} s; CPU time per thread: main \d+\.\d{3} s, worker \d+ \(eval\) \d+\.\d{3} s; sampled every 100 µs \(main\), 1 ms \(workers\)\n/,
      "a worker started by the statement: the main thread at 100 µs, the worker at 1 ms",
    );
    section(text, /^Thread: main — /);
    const worker = section(
      text,
      /^Thread: worker \d+ \(eval\) — \d+\.\d{3} s CPU in \d+\.\d{3} s profiled, ended during the statement$/,
    );
    const id = /worker (\d+)/.exec(worker)![1];
    assert.ok(tottime(worker, `<worker ${id} eval>:1(spin)`) > 0, worker);
    assert.ok(worker.includes(`<worker ${id} eval>:1(<module>)`), `its top level, from its first line:\n${worker}`);
    // HTML: one table, a thread column to filter by; a flame chart with a lane per thread.
    const html = String(run.displays[0]["text/html"]);
    assert.ok(html.includes(">thread<") && html.includes("data-tsprof-filter"), html.slice(0, 500));
    const timeline = run.displays[1]["application/vnd.plotly.v1+json"] as any;
    assert.deepEqual(timeline.layout.yaxis.ticktext.length, 2);
    assert.ok(timeline.data[1].text.includes("spin"), "the worker's lane has spin");
  });

  test("a worker an earlier cell started is profiled too, by its name", async () => {
    await ok("const echo = server('echo');\nawait echo.ask(10);");
    const text = table(await ok("%prun await echo.ask(2e7)"));
    const worker = section(text, /^Thread: worker \d+ \(echo\) — /);
    const id = /worker (\d+)/.exec(worker)![1];
    assert.ok(tottime(worker, `<worker ${id} eval>:1(spin)`) > 0, worker);
    assert.match(text, /; sampled every 1 ms\n/, "a worker running as the statement starts: every thread at 1 ms");
    assert.match(
      table(await ok("%prun -i 500 await echo.ask(1e6)")),
      /; sampled every 500 µs\n/,
      "-i: every thread at that interval",
    );
    await ok("await echo.end()");
  });

  test("3:1 work split between a worker and the main thread shows in their CPU times", async () => {
    await ok("const pair = server('pair');\nawait pair.ask(10);");
    const text = table(
      await ok("%prun await Promise.all([pair.ask(6e7), Promise.resolve().then(() => mainSpin(2e7))])"),
    );
    const cpu = (label: string) => Number(new RegExp(`${label} (\\d+\\.\\d{3}) s`).exec(text)![1]);
    assert.ok(cpu("worker \\d+ \\(pair\\)") > cpu("main"), text);
    await ok("await pair.end()");
  });

  test("a worker that throws keeps its profile; the statement's value is its error", async () => {
    const run = await ok("%prun -r await thrower()");
    const worker = section(table(run), /^Thread: worker \d+ \(eval\) — .*ended during the statement$/);
    assert.match(worker, /<worker \d+ eval>:1\(boom\)/);
  });

  test("a worker that crashes with no one listening: the kernel reports it and keeps its state", async () => {
    await ok("const kept = 42;");
    const run = await session.kernel.execute(
      "%prun new Worker('throw new Error(\"unheard\")', { eval: true }); await sleep(300)",
    );
    assert.equal(run.status, "ok", run.text);
    assert.equal((await ok("kept + 1")).result?.["text/plain"], "43");
  });

  test("a worker blocked in Atomics.wait: the magic ends and reports it waiting", async () => {
    await ok(`const gate = new Int32Array(new SharedArrayBuffer(4));
const blocked = new Worker("const { workerData } = require('node:worker_threads');\\nfunction block() { Atomics.wait(workerData, 0, 0); }\\nblock();", { eval: true, workerData: gate, name: "blocked" });
blocked.unref();
await sleep(200);`);
    // Every tick of the sampler wakes a blocked thread, which on a loaded machine can by itself keep
    // it on a CPU for nearly the share that counts as waiting: sampled less often, what is checked
    // (that it waits) stands clear of what being sampled costs it.
    const text = table(await ok("%prun -i 1000 await sleep(1000)"));
    const worker = section(
      text,
      /^Thread: worker \d+ \(blocked\) — \d+\.\d{3} s CPU in \d+\.\d{3} s profiled, waiting \(on a CPU \d+% of the time/,
    );
    assert.match(worker, /<worker \d+ eval>:2\(block\)/);
    await ok("Atomics.store(gate, 0, 1); Atomics.notify(gate, 0); await blocked.terminate();");
  });

  test("a worker blocked outside JavaScript does not hang the magic: it is reported as not answering", async () => {
    await ok(`const stuck = new Worker("require('node:child_process').execSync('sleep 6')", { eval: true, name: "stuck" });
stuck.unref();
await sleep(200);`);
    const started = Date.now();
    const text = table(await ok("%prun mainSpin(1e6)"));
    assert.ok(Date.now() - started < 5000, "the magic gave up on it within its deadlines");
    section(text, /^Thread: worker \d+ \(stuck\) — did not answer within the deadline/);
    await ok("await stuck.terminate()");
  });

  test("an interrupt while workers run: KeyboardInterrupt, the profile so far, and the next %prun works", async () => {
    await ok("const busy = server('busy');\nawait busy.ask(10);");
    const run = await session.kernel.executeInterrupted("%prun busy.ask(1e10); mainSpin(1e12)", 1500);
    assert.equal(run.status, "error");
    assert.equal(run.error?.ename, "KeyboardInterrupt");
    section(table(run), /^Thread: worker \d+ \(busy\) — /);
    await ok("await busy.end()");
    assert.match(table(await ok("%prun await inWorker(1e6)")), /Thread: worker \d+ \(eval\)/);
  });

  test("-D writes one .cpuprofile per thread; the worker's parses and has its function", async () => {
    const run = await ok("%prun -q -D threads.cpuprofile await inWorker(2e8)");
    const id = /threads\.worker-(\d+)\.cpuprofile/.exec(run.stdout)?.[1];
    assert.ok(id, run.stdout);
    assert.match(
      run.stdout,
      /Profile saved as a \.cpuprofile to 'threads\.cpuprofile', 'threads\.worker-\d+\.cpuprofile'/,
    );
    const read = (file: string) => JSON.parse(fs.readFileSync(path.join(session.jupyter.notebookDir, file), "utf8"));
    const worker = read(`threads.worker-${id}.cpuprofile`);
    const spin = worker.nodes.find((n: any) => n.callFrame.functionName === "spin");
    assert.ok(spin && spin.hitCount > 0, JSON.stringify(worker.nodes.map((n: any) => n.callFrame)));
    assert.equal(spin.callFrame.url, `<worker ${id} eval>`);
    assert.ok(Array.isArray(read("threads.cpuprofile").nodes));
  });

  test("%time: the CPU time of each thread, between IPython's two lines, when workers ran", async () => {
    await ok("const timed = server('timed');\nawait timed.ask(10);");
    const run = await ok("%time await Promise.all([timed.ask(3e7), Promise.resolve().then(() => mainSpin(1e7))])");
    const text = String(run.displays[0]?.["text/plain"]);
    const [, main, worker] =
      /^CPU per thread: main (\S+ \S+), worker \d+ \(timed\) (\S+ \S+), other threads \S+ \S+$/m.exec(text) ?? [];
    assert.ok(main && worker, text);
    assert.match(text, /^CPU times: .*\nCPU per thread: .*\nWall time: /);
    await ok("await timed.end()");
    assert.ok(
      !String((await ok("%time mainSpin(1e5)")).displays[0]?.["text/plain"]).includes("CPU per thread"),
      "no line when no worker ran",
    );
  });

  test("-t main keeps the main thread's view alone", async () => {
    const text = table(await ok("%prun -t main await inWorker(1e6)"));
    assert.ok(!text.includes("Thread:"), text);
    assert.match((await session.kernel.execute("%prun -t both 1")).text, /%prun -t: expected all or main, got 'both'/);
  });
});
