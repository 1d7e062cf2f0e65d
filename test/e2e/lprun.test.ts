/**
 * %lprun and %%lprun through a real Jupyter server and the installed kernel: every kind of -f
 * target (a function declared in an earlier cell, an arrow in a const, methods through the
 * prototype and through an instance, a static method, an async function, a function imported
 * from a local .ts file), exact hits on a known loop, calls from the defining cell reaching the
 * profiled copy, restoration after a throw and an interrupt, errors naming what -f was given,
 * and the options (-u, -s, -r, -T, -D, -m).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { kernelForFile, plain, type Execution } from "./harness";
import { FORWARD_PASS } from "../bench/workloads";

/** `<cell N>` of the cell below. */
let defs: string;

/** The comments give the line numbers the tests name. */
const DEFINITIONS = `function tenLoop(): number {
  let taken = 0;
  for (let i = 0; i < 10; i++) {
    if (i % 4 === 0) {
      taken++;
    }
  }
  return taken;
}
const sumTo = (n: number) => { // 10
  let s = 0;
  for (let i = 0; i < n; i++) s += i;
  return s;
};
class Net { // 15
  constructor(private scale: number) {}
  forward(xs: number[]): number {
    const scaled = xs.map((v) => v * this.scale);
    return scaled.reduce((a, b) => a + b, 0);
  } // 20
  static create(): Net {
    return new Net(2);
  }
}
const net = Net.create(); // 25
async function doubleLater(n: number): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 10));
  return n * 2;
}
function mayThrow(n: number): number { // 30
  if (n > 2) throw new Error("too big");
  return n;
}
function tenLoopTwice(): number { return tenLoop() + tenLoop(); }
function count(n: number): number { // 35
  let s = 0;
  for (let i = 0; i < n; i++) s += i % 7;
  return s;
}
const area = ({ w, h }: { w: number; h: number }, [scale = 1]: number[] = []) => { // 40
  const base = w * h;
  return base * scale;
};
const KEY = "a";
const pick = ({ [KEY]: v }: Record<string, number>) => v; // 45`;

const LIB = `export function libSum(xs: number[]): number {
  let s = 0;
  for (const x of xs) {
    s += x;
  }
  return s;
}

export const libDouble = (x: number) => 2 * x;
`;

const session = kernelForFile(async ({ jupyter, ok }) => {
  fs.writeFileSync(path.join(jupyter.notebookDir, "lib.ts"), LIB);
  defs = `<cell ${(await ok(DEFINITIONS)).executionCount}>`;
});
const { ok } = session;

interface Row {
  line: number;
  hits: number | null;
  time: number | null;
  percent: number | null;
  contents: string;
}

interface Table {
  header: string[];
  rows: Row[];
}

/** line_profiler's tables in a cell's first display, one per function: the lines above the columns, then the rows. */
function tables(run: Execution): Table[] {
  const text = String(run.displays[0]?.["text/plain"] ?? "");
  const number = (s: string) => (s.trim() === "" ? null : Number(s));
  return text.split(/\n(?=Total time: )/).slice(1).map((block) => {
    const lines = block.split("\n");
    const rule = lines.findIndex((l) => /^=+$/.test(l));
    const rows = lines.slice(rule + 1).filter((l) => /^ {0,5}\d+ /.test(l)).map((l) => ({
      line: Number(l.slice(0, 6)),
      hits: number(l.slice(7, 16)),
      time: number(l.slice(17, 29)),
      percent: number(l.slice(39, 47)),
      contents: l.slice(49),
    }));
    return { header: lines.slice(0, rule - 1), rows };
  });
}

/** Hits per line number of the first table (null for lines that show none). */
function hits(run: Execution, lines: number[]): (number | null)[] {
  const [first] = tables(run);
  return lines.map((n) => first.rows.find((r) => r.line === n)?.hits ?? null);
}

describe("%lprun -f: each kind of function", () => {
  test("a function declared in an earlier cell: line_profiler's header, every line of its TypeScript, exact hits", async () => {
    const run = await ok("%lprun -f tenLoop tenLoop()");
    const text = String(run.displays[0]["text/plain"]);
    assert.match(text, /^Timer unit: 1e-06 s\n\nTotal time: [\d.e-]+ s\nFile: <cell \d+>\nFunction: tenLoop at line 1\n\nLine # {6}Hits {9}Time {2}Per Hit {3}% Time {2}Line Contents\n=+\n/);
    const [table] = tables(run);
    assert.deepEqual(table.header.slice(1, 3), [`File: ${defs}`, "Function: tenLoop at line 1"]);
    assert.deepEqual(table.rows.map((r) => r.contents), DEFINITIONS.split("\n").slice(0, 9), "the lines as written in the cell");
    // A loop of 10 with an if taken 3 times; the header counts its 11 tests, like Python's `for` line.
    assert.deepEqual(hits(run, [1, 2, 3, 4, 5, 6, 7, 8, 9]), [null, 1, 11, 10, 3, null, null, 1, null]);
    assert.equal(run.displays.length, 2);
    assert.ok(String(run.displays[0]["text/html"]).includes("<table"), "the table also comes as HTML");
    assert.ok("application/vnd.plotly.v1+json" in run.displays[1], "then a chart of % time per line");
  });

  test("callers in the defining cell reach the profiled copy, with no change to their code", async () => {
    assert.deepEqual(hits(await ok("%lprun -f tenLoop tenLoopTwice()"), [2, 3, 4, 5, 8]), [2, 22, 20, 6, 2]);
  });

  test("an arrow function held in a const", async () => {
    const run = await ok("%lprun -f sumTo sumTo(100)");
    assert.equal(tables(run)[0].header[2], "Function: sumTo at line 10");
    assert.deepEqual(hits(run, [10, 11, 12, 13, 14]), [null, 1, 101, 1, null]);
  });

  test("a method, named through the class's prototype or through an instance; its callbacks' lines", async () => {
    for (const target of ["Net.prototype.forward", "net.forward"]) {
      const run = await ok(`%lprun -f ${target} net.forward([1, 2, 3])`);
      assert.equal(tables(run)[0].header[2], "Function: Net.forward at line 17");
      assert.deepEqual(hits(run, [17, 18, 19, 20]), [null, 1, 1, null], target);
    }
    assert.equal((await ok("net.forward([1, 2, 3])")).result?.["text/plain"], "12", "the method works as before afterwards");
  });

  test("a static method", async () => {
    const run = await ok("%lprun -f Net.create Net.create().forward([5])");
    assert.equal(tables(run)[0].header[2], "Function: Net.create at line 21");
    assert.deepEqual(hits(run, [21, 22, 23]), [null, 1, null]);
  });

  test("an async function, awaited at the top level: the awaited line holds the waiting time", async () => {
    const run = await ok("%lprun -f doubleLater const doubled = await doubleLater(21)");
    assert.deepEqual(hits(run, [26, 27, 28, 29]), [null, 1, 1, null]);
    const awaited = tables(run)[0].rows.find((r) => r.line === 27)!;
    assert.ok(awaited.time! >= 5000, `a 10 ms timer is awaited on line 27: ${awaited.time} µs`);
    assert.equal((await ok("doubled")).result?.["text/plain"], "42");
  });

  test("a function imported from a local .ts file: its lines from the file", async () => {
    await ok('import { libSum, libDouble } from "./lib";');
    const run = await ok("%lprun -f libSum libSum([1, 2, 3])");
    assert.deepEqual(tables(run)[0].header.slice(1, 3), ["File: lib.ts", "Function: libSum at line 1"]);
    assert.deepEqual(tables(run)[0].rows.map((r) => r.contents), LIB.split("\n").slice(0, 7));
    assert.deepEqual(hits(run, [2, 3, 4, 6]), [1, 4, 3, 1]);
  });

  test("-m: every top-level function of a local module", async () => {
    const run = await ok("%lprun -m ./lib libSum([libDouble(1), 2])");
    assert.deepEqual(tables(run).map((t) => t.header[2]), ["Function: libSum at line 1", "Function: libDouble at line 9"]);
    assert.deepEqual(tables(run)[1].rows.map((r) => r.hits), [1]);
  });

  test("an arrow function with destructured parameters: its copy gets the same values", async () => {
    const run = await ok("%lprun -f area const areaOf = area({ w: 2, h: 3 }, [4])");
    assert.deepEqual(hits(run, [40, 41, 42, 43]), [null, 1, 1, null]);
    assert.equal((await ok("areaOf + area({ w: 1, h: 1 })")).result?.["text/plain"], "25");
  });

  test("the forward pass with -f matmul: exact inner-line hits, and the inner line has the largest share", async () => {
    await ok(FORWARD_PASS);
    const run = await ok("%lprun -f matmul forward(x, w1, w2)");
    const [table] = tables(run);
    const inner = table.rows.find((r) => r.contents.trim() === "res[i][j] += a[i][k] * b[k][j];")!;
    assert.equal(inner.hits, 100 * 64 * 256 + 100 * 256 * 10);
    assert.ok(table.rows.every((r) => (r.percent ?? 0) <= inner.percent!), String(run.displays[0]["text/plain"]));
  });
});

describe("%lprun restores what it changed", () => {
  test("after a throw: the partial profile, then the error at the cell's line; the function works as before; counts start afresh", async () => {
    const run = await session.kernel.execute("%lprun -f mayThrow mayThrow(5)");
    assert.equal(run.status, "error");
    assert.deepEqual([run.error?.ename, run.error?.evalue], ["Error", "too big"]);
    assert.deepEqual(hits(run, [30, 31, 32]), [null, 1, null]);
    assert.match(plain(run.text), new RegExp(`mayThrow \\(${defs.replace(/[<>]/g, "\\$&")}:31\\)\\n +31 \\|   if \\(n > 2\\) throw`));
    assert.equal((await ok("mayThrow(1)")).result?.["text/plain"], "1");
    assert.deepEqual(hits(await ok("%lprun -f mayThrow mayThrow(1)"), [31, 32]), [1, 1]);
  });

  test("after an interrupt: KeyboardInterrupt, the profile so far, the original back", async () => {
    const run = await session.kernel.executeInterrupted("%lprun -f count count(1e12)", 1000);
    assert.equal(run.status, "error");
    assert.equal(run.error?.ename, "KeyboardInterrupt");
    assert.equal(hits(run, [36])[0], 1);
    assert.equal((await ok("count(8)")).result?.["text/plain"], "21", "the function works as before");
    assert.deepEqual(hits(await ok("%lprun -f count count(5)"), [36, 37, 38]), [1, 6, 1]);
  });
});

describe("%lprun errors name what -f was given", () => {
  const error = async (code: string) => {
    const run = await session.kernel.execute(code);
    assert.equal(run.status, "error", run.text);
    assert.equal(run.error?.ename, "UsageError");
    return plain(run.text);
  };

  test("a name that is not defined", async () => {
    assert.match(await error("%lprun -f nothere tenLoop()"), /Could not find function nothere: Cannot find name 'nothere'/);
  });

  test("a value that is not a function", async () => {
    assert.match(await error("%lprun -f net tenLoop()"), /net is not a function \(it is object\)/);
  });

  test("a native function has no source", async () => {
    assert.match(await error("%lprun -f Math.max tenLoop()"), /Math\.max is a native function \(max\): it has no source code/);
  });

  test("a class is not a function to profile", async () => {
    assert.match(await error("%lprun -f Net tenLoop()"), /Net is a class: .*-f Net\.prototype\.METHOD/);
  });

  test("an arrow function destructuring a computed key cannot pass its calls on", async () => {
    assert.match(await error("%lprun -f pick pick({ a: 1 })"), /pick \(pick\) is an arrow function whose destructured parameters have computed keys/);
  });

  test("no -f at all, and a bad -u; the kernel keeps its state", async () => {
    assert.match(await error("%lprun tenLoop()"), /%lprun needs a function to profile/);
    assert.match(await error("%lprun -u 0 -f tenLoop tenLoop()"), /-u must be a positive number/);
    assert.equal((await ok("tenLoop()")).result?.["text/plain"], "3");
  });
});

describe("%lprun options", () => {
  test("-u sets the timer unit", async () => {
    assert.match(String((await ok("%lprun -u 1e-3 -f tenLoop tenLoop()")).displays[0]["text/plain"]), /^Timer unit: 0\.001 s\n/);
  });

  test("-s keeps only the lines that ran", async () => {
    const run = await ok("%lprun -s -f tenLoop tenLoop()");
    assert.deepEqual(tables(run)[0].rows.map((r) => r.line), [2, 3, 4, 5, 8]);
  });

  test("-r returns the result: assigned, it is usable from code", async () => {
    await ok("const lp = %lprun -r -f tenLoop tenLoop()");
    const use = await ok("[lp.functions[0].fn.name, lp.functions[0].lines.find((l) => l.line === 5).hits, lp.timerUnit]");
    assert.equal(use.result?.["text/plain"], "[ 'tenLoop', 3, 0.000001 ]");
    const shown = await ok("%lprun -r -f tenLoop tenLoop()");
    assert.match(String(shown.result?.["text/plain"]), /^<LineProfileResult: 1 function \(tenLoop\), /);
  });

  test("-T writes the text, -D the raw result as JSON, in the notebook's folder", async () => {
    const run = await ok("%lprun -T lprun.txt -D lprun.json -f tenLoop tenLoop()");
    assert.match(run.stdout, /Profile printout saved to text file 'lprun\.txt'/);
    assert.match(run.stdout, /Profile stats saved to file 'lprun\.json'/);
    assert.equal(fs.readFileSync(path.join(session.jupyter.notebookDir, "lprun.txt"), "utf8"), String(run.displays[0]["text/plain"]));
    const saved = JSON.parse(fs.readFileSync(path.join(session.jupyter.notebookDir, "lprun.json"), "utf8"));
    assert.deepEqual(saved.functions[0].lines.map((l: { hits: number }) => l.hits), [0, 1, 11, 10, 3, 0, 0, 1, 0]);
  });

  test("%%lprun profiles the whole cell, whose names stay defined", async () => {
    const run = await ok("%%lprun -f tenLoop\nconst first = tenLoop();\nconst second = tenLoop();");
    assert.deepEqual(hits(run, [2, 5]), [2, 6]);
    assert.equal((await ok("first + second")).result?.["text/plain"], "6");
  });

  test("%lprun? lists every option", async () => {
    const run = await ok("%lprun?");
    for (const flag of ["-f FUNC", "-m MODULE", "-u UNIT", "-s", "-r", "-T FILE", "-D FILE"]) assert.ok(run.pager?.includes(flag), `${flag} in:\n${run.pager}`);
  });
});
