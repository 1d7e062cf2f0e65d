/**
 * %prun and %%prun through a real Jupyter server and the installed kernel: exact ncalls on
 * functions from earlier cells (1234 calls, recursion), every option (-s, -l, -q, -r, -T, -D), a
 * statement that throws, an interrupt, names the statement assigns, top-level await, and how
 * methods and callbacks are named.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { kernelForFile, plain, type Execution } from "./harness";

/** The execution count of the cell defining the functions: their file is `<cell N>`. */
let defs: string;

/** Line numbers below are these lines' (the cell's TypeScript, as written). */
const DEFINITIONS = `function f(n: number): number { return n + 1; }
function callF(times: number): number { let s = 0; for (let i = 0; i < times; i++) s = f(s); return s; }
function fib(n: number): number { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
function spin(n: number): number { let s = 0; for (let i = 0; i < n; i++) s += Math.sqrt(i); return s; }
class Net {
  scale = 2;
  forward(xs: number[]): number {
    const scaled = xs.map((v) => v * this.scale);
    return scaled.reduce((a, b) => a + b, 0);
  }
}
const net = new Net();
async function later(n: number): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 20));
  return spin(n);
}`;

const session = kernelForFile(async ({ ok }) => {
  defs = `<cell ${(await ok(DEFINITIONS)).executionCount}>`;
});
const { ok } = session;

const PLOTLY = "application/vnd.plotly.v1+json";
const HEADER = "   ncalls  tottime  percall  cumtime  percall filename:lineno(function)";

/** The table's text (the first display's text/plain). */
const table = (run: Execution) => String(run.displays[0]?.["text/plain"] ?? "");

/** The rows of a table as [ncalls, filename:lineno(function)], in order. */
function rows(text: string): [string, string][] {
  return text
    .split("\n")
    .filter((l) => /^ +[\d/-]+ +\d+\.\d{3} /.test(l))
    .map((l) => [l.trim().split(/\s+/)[0], l.slice(HEADER.length - "filename:lineno(function)".length)]);
}

/** ncalls of the row whose description is `description`, or undefined when it has none. */
const ncallsOf = (text: string, description: string) => rows(text).find(([, d]) => d === description)?.[0];

describe("%prun: exact call counts", () => {
  test("a function from an earlier cell called exactly 1234 times shows ncalls 1234, then a flame chart and the top functions", async () => {
    const run = await ok("%prun callF(1234)");
    const text = table(run);
    assert.match(text, /^ {9}1236 function calls in \d+\.\d{3} seconds\n\n {3}Ordered by: internal time\n\n/);
    assert.ok(text.includes(HEADER), text);
    assert.equal(ncallsOf(text, `${defs}:1(f)`), "1234", text);
    assert.equal(ncallsOf(text, `${defs}:2(callF)`), "1", text);
    assert.equal(ncallsOf(text, `<cell ${run.executionCount}>:1(<module>)`), "1", text);
    assert.equal(run.displays.length, 3);
    assert.ok(String(run.displays[0]["text/html"]).includes("<table"), "the table also comes as HTML");
    assert.ok(PLOTLY in run.displays[1] && PLOTLY in run.displays[2], "then two plotly charts");
    assert.equal((run.displays[1][PLOTLY] as any).data[0].type, "icicle");
  });

  test("a recursive function: every call is counted (fib(15) makes 1973 calls)", async () => {
    const text = table(await ok("%prun fib(15)"));
    assert.equal(ncallsOf(text, `${defs}:3(fib)`), "1973", text);
    assert.match(text, /^ {9}1974 function calls/);
  });

  test("a second profile counts only its own calls", async () => {
    await ok("%prun -q callF(10)");
    assert.equal(ncallsOf(table(await ok("%prun callF(7)")), `${defs}:1(f)`), "7");
  });
});

describe("%prun options", () => {
  test("-s cumulative, -s ncalls: pstats' orders and descriptions", async () => {
    const cumulative = table(await ok("%prun -s cumulative callF(50); spin(2_000_000)"));
    assert.match(cumulative, /Ordered by: cumulative time/);
    assert.deepEqual(
      rows(cumulative)
        .slice(0, 2)
        .map(([, d]) => d.replace(/^<cell \d+>/, "")),
      [":1(<module>)", ":4(spin)"],
      cumulative,
    );
    const byCalls = table(await ok("%prun -s ncalls callF(50)"));
    assert.match(byCalls, /Ordered by: call count/);
    assert.deepEqual(rows(byCalls)[0], ["50", `${defs}:1(f)`]);
  });

  test("-l: a count, then a regular expression", async () => {
    const counted = table(await ok("%prun -s ncalls -l 1 callF(5)"));
    // f, callF and <module>, and a sampled row such as the garbage collector's when a sample fell there.
    const [, from] = /List reduced from (\d+) to 1 due to restriction <1>/.exec(counted) ?? [];
    assert.ok(Number(from) >= 3, counted);
    assert.deepEqual(rows(counted), [["5", `${defs}:1(f)`]]);
    const matched = table(await ok("%prun -l callF callF(5)"));
    assert.deepEqual(rows(matched), [["1", `${defs}:2(callF)`]]);
  });

  test("-F folds Node.js internals into their callers: no node: rows, their time the caller's own", async () => {
    await ok(`import * as zlib from "zlib";
function squeeze(n: number): number { let total = 0; for (let i = 0; i < n; i++) total += zlib.deflateSync(Buffer.alloc(1 << 20, i % 7)).length; return total; }`);
    const nodeRows = (text: string) => rows(text).filter(([, d]) => d.startsWith("node:"));
    const unfolded = table(await ok("%prun squeeze(40)"));
    assert.ok(nodeRows(unfolded).length > 0, `Node.js frames are shown unfolded:\n${unfolded}`);
    const folded = table(await ok("%prun -F squeeze(40)"));
    assert.deepEqual(nodeRows(folded), [], folded);
    assert.match(rows(folded)[0][1], /\(squeeze\)$/, `squeeze has the most time of its own:\n${folded}`);
  });

  test("-q shows nothing", async () => {
    const run = await ok("%prun -q callF(5)");
    assert.deepEqual(run.outputs, []);
  });

  test("-r returns the profile: assigned, it is usable from code; as the cell's value, a one-line summary", async () => {
    assert.deepEqual((await ok("const profiled = %prun -q -r callF(1234)")).outputs, []);
    const use = await ok('profiled.table.rows.find((r) => r.fn.name === "f").ncalls');
    assert.equal(use.result?.["text/plain"], "1234");
    const shown = await ok("%prun -q -r fib(5)");
    assert.match(
      String(shown.result?.["text/plain"]),
      /^<CpuProfileResult: 16 function calls in \d+\.\d{3} seconds, \d+ functions; fields: table, tree, threads, sampleInterval, statement>$/,
    );
  });

  test("-T writes the text table to a file in the notebook's folder", async () => {
    const run = await ok("%prun -q -T prun-table.txt callF(1234)");
    assert.match(run.stdout, /\*\*\* Profile printout saved to text file 'prun-table.txt'\./);
    const text = fs.readFileSync(path.join(session.jupyter.notebookDir, "prun-table.txt"), "utf8");
    assert.equal(ncallsOf(text, `${defs}:1(f)`), "1234", text);
  });

  test("-D writes a .cpuprofile that parses and has the function, named by its cell line", async () => {
    const run = await ok("%prun -q -D spin.cpuprofile spin(3_000_000)");
    assert.match(run.stdout, /Profile saved as a \.cpuprofile to 'spin\.cpuprofile'/);
    const profile = JSON.parse(fs.readFileSync(path.join(session.jupyter.notebookDir, "spin.cpuprofile"), "utf8"));
    const spin = profile.nodes.find((n: any) => n.callFrame.functionName === "spin");
    assert.ok(spin, JSON.stringify(profile.nodes.map((n: any) => n.callFrame)));
    assert.deepEqual([spin.callFrame.url, spin.callFrame.lineNumber], [defs, 3], "DevTools counts lines from 0");
    assert.equal(profile.samples.length, profile.timeDeltas.length);
    assert.ok(profile.samples.includes(spin.id), "spin's own time is in the samples");
  });

  test("%prun? lists every option", async () => {
    const run = await ok("%prun?");
    for (const flag of ["-s KEY", "-l LIMIT", "-q", "-r", "-T FILE", "-D FILE", "-F"])
      assert.ok(run.pager?.includes(flag), `${flag} in:\n${run.pager}`);
  });

  test("bad options: a clear message, and the kernel keeps its state", async () => {
    const key = await session.kernel.execute("%prun -s nosuchkey callF(1)");
    assert.equal(key.status, "error");
    assert.equal(key.error?.ename, "UsageError");
    assert.match(plain(key.text), /unknown sort key 'nosuchkey'/);
    const flag = await session.kernel.execute("%prun -x callF(1)");
    assert.match(plain(flag.text), /%prun: option -x not recognized/);
    const none = await session.kernel.execute("%prun");
    assert.match(plain(none.text), /%prun needs a statement/);
    assert.equal((await ok("callF(2)")).result?.["text/plain"], "2");
  });
});

describe("%prun runs the statement in the notebook", () => {
  test("a throwing statement: the partial profile first, then the error", async () => {
    const run = await session.kernel.execute('callF(3);\n%prun callF(4); throw new Error("boom")');
    assert.equal(run.status, "error");
    assert.deepEqual([run.error?.ename, run.error?.evalue], ["Error", "boom"]);
    const kinds = run.outputs.map((o) => o.output_type);
    assert.ok(kinds.indexOf("display_data") < kinds.indexOf("error"), kinds.join());
    assert.equal(ncallsOf(table(run), `${defs}:1(f)`), "4");
    assert.equal(ncallsOf(table(await ok("%prun callF(2)")), `${defs}:1(f)`), "2", "the next %prun works");
  });

  test("a statement that does not compile is reported as the kernel reports cells", async () => {
    const run = await session.kernel.execute("%prun callF(");
    assert.equal(run.status, "error");
    assert.equal(run.error?.ename, "CompileError");
    assert.equal(run.displays.length, 0);
    assert.match(plain(run.text), /error TS1005: '\)' expected/);
  });

  test("%%prun profiles the whole cell; the names it assigns stay defined, as do %prun's", async () => {
    const cell = await ok("%%prun -s ncalls\nconst fromCell = callF(5);\nconst other = fib(6);");
    assert.deepEqual(rows(table(cell)).slice(0, 2), [
      ["25", `${defs}:3(fib)`],
      ["5", `${defs}:1(f)`],
    ]);
    await ok("%prun const kept = callF(7)");
    assert.equal((await ok("[fromCell, other, kept]")).result?.["text/plain"], "[ 5, 8, 7 ]");
  });

  test("top-level await inside the profiled code: awaited, attributed, and its names kept", async () => {
    const run = await ok("%prun -s name const awaited = await later(2_000_000)");
    const text = table(run);
    assert.equal(ncallsOf(text, `${defs}:13(later)`), "1", text);
    assert.equal(ncallsOf(text, `${defs}:4(spin)`), "1", text);
    assert.equal((await ok("awaited > 0")).result?.["text/plain"], "true");
  });

  test("methods by class, callbacks by where they are written", async () => {
    const text = table(await ok("%prun -s line net.forward([1, 2, 3])"));
    assert.equal(ncallsOf(text, `${defs}:7(Net.forward)`), "1", text);
    assert.equal(ncallsOf(text, `${defs}:8(<anonymous>)`), "3", text);
    assert.equal(ncallsOf(text, `${defs}:9(<anonymous>)`), "3", text);
  });

  test("an interrupt stops the profiled statement: the profile so far, KeyboardInterrupt, and the next %prun works", async () => {
    const run = await session.kernel.executeInterrupted("%prun spin(1e12)", 1000);
    assert.equal(run.status, "error");
    assert.equal(run.error?.ename, "KeyboardInterrupt");
    assert.equal(ncallsOf(table(run), `${defs}:4(spin)`), "1", table(run));
    assert.equal(ncallsOf(table(await ok("%prun callF(3)")), `${defs}:1(f)`), "3");
  });
});
