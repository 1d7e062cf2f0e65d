/**
 * %lprun and %%lprun through a real Jupyter server and the installed kernel: every kind of -f
 * target (functions declared in cells, arrows, methods, static methods, async functions, local
 * modules, closures, class fields, constructors, #private methods, getters, functions in blocks,
 * generators, npm packages, CommonJS and ES modules), exact hits on known loops, calls from the
 * defining cell reaching the counting code, restoration after a throw and an interrupt, errors
 * naming what -f was given, and the options (-c, -u, -s, -r, -T, -D, -m).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { kernelForFile, plain } from "./harness";
import { hits, tables } from "./line-tables";
import { FORWARD_PASS } from "../bench/workloads";

/** Long enough for %lprun's live edits to be done, with room for a loaded machine, and the statement running. */
const INTERRUPT_AFTER_MS = 2000;

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

describe("%lprun -f: each kind of function", () => {
  test("a function declared in an earlier cell: line_profiler's header, every line of its TypeScript, exact hits", async () => {
    const run = await ok("%lprun -f tenLoop tenLoop()");
    const text = String(run.displays[0]["text/plain"]);
    assert.match(
      text,
      /^Timer unit: 1e-06 s\n\nTotal time: [\d.e-]+ s\nFile: <cell \d+>\nFunction: tenLoop at line 1\n\nLine # {6}Hits {9}Time {2}Per Hit {3}% Time {2}Line Contents\n=+\n/,
    );
    const [table] = tables(run);
    assert.deepEqual(table.header.slice(1, 3), [`File: ${defs}`, "Function: tenLoop at line 1"]);
    assert.deepEqual(
      table.rows.map((r) => r.contents),
      DEFINITIONS.split("\n").slice(0, 9),
      "the lines as written in the cell",
    );
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
    assert.equal(
      (await ok("net.forward([1, 2, 3])")).result?.["text/plain"],
      "12",
      "the method works as before afterwards",
    );
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
    assert.deepEqual(
      tables(run)[0].rows.map((r) => r.contents),
      LIB.split("\n").slice(0, 7),
    );
    assert.deepEqual(hits(run, [2, 3, 4, 6]), [1, 4, 3, 1]);
  });

  test("-m: every top-level function of a local module", async () => {
    const run = await ok("%lprun -m ./lib libSum([libDouble(1), 2])");
    assert.deepEqual(
      tables(run).map((t) => t.header[2]),
      ["Function: libSum at line 1", "Function: libDouble at line 9"],
    );
    assert.deepEqual(
      tables(run)[1].rows.map((r) => r.hits),
      [1],
    );
  });

  test("an arrow function with destructured parameters, with computed keys too", async () => {
    const run = await ok("%lprun -f area const areaOf = area({ w: 2, h: 3 }, [4])");
    assert.deepEqual(hits(run, [40, 41, 42, 43]), [null, 1, 1, null]);
    assert.equal((await ok("areaOf + area({ w: 1, h: 1 })")).result?.["text/plain"], "25");
    assert.deepEqual(hits(await ok("%lprun -f pick pick({ a: 1 })"), [45]), [1]);
  });

  test("the forward pass with -f matmul: exact inner-line hits, and the inner line has the largest share", async () => {
    await ok(FORWARD_PASS);
    const run = await ok("%lprun -f matmul forward(x, w1, w2)");
    const [table] = tables(run);
    const inner = table.rows.find((r) => r.contents.trim() === "res[i][j] += a[i][k] * b[k][j];")!;
    assert.equal(inner.hits, 100 * 64 * 256 + 100 * 256 * 10);
    assert.ok(
      table.rows.every((r) => (r.percent ?? 0) <= inner.percent!),
      String(run.displays[0]["text/plain"]),
    );
  });
});

describe("%lprun restores what it changed", () => {
  test("after a throw: the partial profile, then the error at the cell's line; the function works as before; counts start afresh", async () => {
    const run = await session.kernel.execute("%lprun -f mayThrow mayThrow(5)");
    assert.equal(run.status, "error");
    assert.deepEqual([run.error?.ename, run.error?.evalue], ["Error", "too big"]);
    assert.deepEqual(hits(run, [30, 31, 32]), [null, 1, null]);
    assert.match(
      plain(run.text),
      new RegExp(`mayThrow \\(${defs.replace(/[<>]/g, "\\$&")}:31\\)\\n +31 \\|   if \\(n > 2\\) throw`),
    );
    assert.equal((await ok("mayThrow(1)")).result?.["text/plain"], "1");
    assert.deepEqual(hits(await ok("%lprun -f mayThrow mayThrow(1)"), [31, 32]), [1, 1]);
  });

  test("after an interrupt: KeyboardInterrupt, the profile so far, the original back", async () => {
    const run = await session.kernel.executeInterrupted("%lprun -f count count(1e12)", INTERRUPT_AFTER_MS);
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
    assert.match(
      await error("%lprun -f nothere tenLoop()"),
      /Could not find function nothere: Cannot find name 'nothere'/,
    );
  });

  test("a value that is not a function", async () => {
    assert.match(await error("%lprun -f net tenLoop()"), /net is not a function \(it is object\)/);
  });

  test("a native function has no source", async () => {
    assert.match(
      await error("%lprun -f Math.max tenLoop()"),
      /Math\.max is a native function \(max\): it has no JavaScript source, so %lprun has no lines to count/,
    );
  });

  test("a generator suspended part-way cannot be changed: the refusal says why and what to do, and nothing is left changed", async () => {
    await ok(
      "function* evens(n: number) {\n  for (let i = 0; i < n; i++) {\n    yield 2 * i;\n  }\n}\nconst started = evens(5);\nstarted.next();",
    );
    assert.match(
      await error("%lprun -f evens [...evens(2)]"),
      /%lprun cannot count the lines of evens right now: a generator or async call of its code is suspended .* Let it finish \(or drop the generator\) and run %lprun again\./,
    );
    assert.equal((await ok("[...started].join()")).result?.["text/plain"], "'2,4,6,8'");
    assert.deepEqual(hits(await ok("%lprun -f evens [...evens(2)]"), [2, 3]), [3, 2]);
  });

  test("an interrupt while the counting code is being put in place: KeyboardInterrupt, nothing ran, nothing is left changed", async () => {
    const run = await session.kernel.executeInterrupted("%lprun -f count count(1e12)", 0);
    assert.equal(run.status, "error");
    assert.equal(run.error?.ename, "KeyboardInterrupt");
    assert.equal((await ok("count(8)")).result?.["text/plain"], "21");
    assert.doesNotMatch(String((await ok("count.toString()")).result?.["text/plain"]), /__tsprof_l/);
  });

  test("no -f at all, and a bad -u; the kernel keeps its state", async () => {
    assert.match(await error("%lprun tenLoop()"), /%lprun needs a function to profile/);
    assert.match(await error("%lprun -u 0 -f tenLoop tenLoop()"), /-u must be a positive number/);
    assert.equal((await ok("tenLoop()")).result?.["text/plain"], "3");
  });
});

describe("%lprun options", () => {
  test("-u sets the timer unit", async () => {
    assert.match(
      String((await ok("%lprun -u 1e-3 -f tenLoop tenLoop()")).displays[0]["text/plain"]),
      /^Timer unit: 0\.001 s\n/,
    );
  });

  test("-s keeps only the lines that ran", async () => {
    const run = await ok("%lprun -s -f tenLoop tenLoop()");
    assert.deepEqual(
      tables(run)[0].rows.map((r) => r.line),
      [2, 3, 4, 5, 8],
    );
  });

  test("-r returns the result: assigned, it is usable from code", async () => {
    await ok("const lp = %lprun -r -f tenLoop tenLoop()");
    const use = await ok(
      "[lp.functions[0].fn.name, lp.functions[0].lines.find((l) => l.line === 5).hits, lp.timerUnit]",
    );
    assert.equal(use.result?.["text/plain"], "[ 'tenLoop', 3, 0.000001 ]");
    const shown = await ok("%lprun -r -f tenLoop tenLoop()");
    assert.match(String(shown.result?.["text/plain"]), /^<LineProfileResult: 1 function \(tenLoop\), /);
  });

  test("-T writes the text, -D the raw result as JSON, in the notebook's folder", async () => {
    const run = await ok("%lprun -T lprun.txt -D lprun.json -f tenLoop tenLoop()");
    assert.match(run.stdout, /Profile printout saved to text file 'lprun\.txt'/);
    assert.match(run.stdout, /Profile stats saved to file 'lprun\.json'/);
    assert.equal(
      fs.readFileSync(path.join(session.jupyter.notebookDir, "lprun.txt"), "utf8"),
      String(run.displays[0]["text/plain"]),
    );
    const saved = JSON.parse(fs.readFileSync(path.join(session.jupyter.notebookDir, "lprun.json"), "utf8"));
    assert.deepEqual(
      saved.functions[0].lines.map((l: { hits: number }) => l.hits),
      [0, 1, 11, 10, 3, 0, 0, 1, 0],
    );
  });

  test("%%lprun -f adds the function to the cell's own lines; the cell's names stay defined", async () => {
    const run = await ok("%%lprun -f tenLoop\nconst first = tenLoop();\nconst second = tenLoop();");
    assert.deepEqual(hits(run, [1, 2], "<module>"), [1, 1]);
    assert.deepEqual(hits(run, [2, 5], "tenLoop"), [2, 6]);
    assert.equal((await ok("first + second")).result?.["text/plain"], "6");
  });

  test("%lprun? lists every option", async () => {
    const run = await ok("%lprun?");
    for (const flag of ["-f FUNC", "-m MODULE", "-c", "-u UNIT", "-s", "-r", "-T FILE", "-D FILE"])
      assert.ok(run.pager?.includes(flag), `${flag} in:\n${run.pager}`);
  });
});

/** The function shapes real code is written in, each defined the way people write it. */
const SHAPES = `function makeLayer(w: number) {
  let calls = 0;
  return function layer(x: number): number {
    calls++;
    return x * w + calls;
  };
}
const layer = makeLayer(3);
layer(1);
class Buf {
  #scale = 2;
  data: number[] = [];
  run = (n: number) => {
    return n * this.#scale;
  };
  constructor(size: number) {
    for (let i = 0; i < size; i++) this.data.push(i);
  }
  get total(): number {
    return this.data.reduce((a, b) => a + b, 0);
  }
  scaled(): number {
    return this.#times(this.total);
  }
  #times(v: number): number {
    return v * this.#scale;
  }
}
const buf = new Buf(3);
let inBlock: (n: number) => number = (n) => n;
{
  function blockFn(n: number) {
    return n + 1;
  }
  inBlock = blockFn;
}
const viaSwitch = ((kind: string) => {
  switch (kind) {
    case "a": {
      const tenfold = (n: number) => {
        return n * 10;
      };
      return tenfold;
    }
    default:
      return (n: number) => n;
  }
})("a");
let fromCatch: (n: number) => number = (n) => n;
try {
  throw new Error("x");
} catch {
  fromCatch = function caught(n: number) {
    return n - 1;
  };
}
const shapes = {
  area(w: number, h: number) {
    return w * h;
  },
};
async function* ticks(n: number) {
  for (let i = 0; i < n; i++) {
    yield i;
  }
}
async function collect(n: number): Promise<number[]> {
  const out: number[] = [];
  for await (const t of ticks(n)) out.push(t);
  return out;
}
function small(n: number) {
  let s = 0;
  for (let i = 0; i < n; i++) s += i;
  return s;
}
function makeSpinner() {
  let spins = 0;
  return (n: number) => {
    for (let i = 0; i < n; i++) spins++;
    return spins;
  };
}
const spin = makeSpinner();`;

/** The 1-based line of SHAPES that holds `text`. */
const shapeLine = (text: string) => SHAPES.split("\n").findIndex((l) => l.includes(text)) + 1;

const PACKAGES: Record<string, string> = {
  "node_modules/tiny-cjs/package.json": '{ "name": "tiny-cjs", "version": "1.0.0", "main": "index.js" }',
  "node_modules/tiny-cjs/index.js":
    "function total(xs) {\n  let s = 0;\n  for (const x of xs) {\n    s += x;\n  }\n  return s;\n}\nmodule.exports = { total };\n",
  "node_modules/tiny-esm/package.json":
    '{ "name": "tiny-esm", "version": "1.0.0", "type": "module", "exports": "./index.js" }',
  "node_modules/tiny-esm/index.js":
    "export function scale(xs, k) {\n  const out = [];\n  for (const x of xs) {\n    out.push(x * k);\n  }\n  return out;\n}\n",
  "helpers/deep/calc.js": "exports.half = function half(n) {\n  const h = n / 2;\n  return h;\n};\n",
};

describe("%lprun: every function that has source", () => {
  const before = async () => {
    for (const [file, text] of Object.entries(PACKAGES)) {
      const full = path.join(session.jupyter.notebookDir, file);
      fs.mkdirSync(path.dirname(full), { recursive: true });
      fs.writeFileSync(full, text);
    }
    await ok(SHAPES);
  };

  test("a closure made before the %lprun keeps its captured state, and its text is as before afterwards", async () => {
    await before();
    const text = (await ok("layer.toString()")).result?.["text/plain"];
    const run = await ok("%lprun -f layer for (let i = 0; i < 4; i++) layer(2)");
    assert.deepEqual(hits(run, [shapeLine("calls++;"), shapeLine("return x * w + calls;")]), [4, 4]);
    assert.equal((await ok("layer(0)")).result?.["text/plain"], "6", "1 call before, 4 profiled, this one");
    assert.equal((await ok("layer.toString()")).result?.["text/plain"], text);
  });

  test("the table does not wait for the edit back, and nothing runs the counting code after it: the cell's next line, a timer, a cell sent at once", async () => {
    await before();
    const text = (await ok("layer.toString()")).result?.["text/plain"];
    const sameCell = await ok("%lprun -f layer layer(2)\nlayer.toString()");
    assert.deepEqual(hits(sameCell, [shapeLine("calls++;")]), [1]);
    assert.equal(sameCell.result?.["text/plain"], text, "the cell's next line");
    await ok("%lprun -f layer setTimeout(() => ((globalThis as any).textLater = layer.toString()), 200)");
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(
      (await ok("(globalThis as any).textLater")).result?.["text/plain"],
      text,
      "a timer that ran while the kernel was idle",
    );
    await ok("%lprun -f layer layer(2)");
    assert.equal((await ok("layer.toString()")).result?.["text/plain"], text, "a cell sent at once");
  });

  test("a class: its constructor and its field initializers; an arrow in a class field; a method using #private members", async () => {
    const ctor = await ok("%lprun -f Buf new Buf(4)");
    assert.equal(tables(ctor)[0].header[2], `Function: Buf at line ${shapeLine("class Buf {")}`);
    assert.deepEqual(
      hits(ctor, [shapeLine("#scale = 2;"), shapeLine("data: number[] = [];"), shapeLine("for (let i = 0; i < size;")]),
      [1, 1, 5],
    );
    assert.deepEqual(hits(await ok("%lprun -f buf.run buf.run(5)"), [shapeLine("return n * this.#scale;")]), [1]);
    const scaled = await ok("%lprun -f Buf.prototype.scaled buf.scaled()");
    assert.deepEqual(hits(scaled, [shapeLine("return this.#times(this.total);")]), [1]);
    assert.equal((await ok("buf.scaled()")).result?.["text/plain"], "6");
  });

  test("a getter named by a quoted -f with spaces and brackets", async () => {
    const run = await ok(`%lprun -f "Object.getOwnPropertyDescriptor(Buf.prototype, 'total').get" buf.total`);
    assert.equal(tables(run)[0].header[2], `Function: Buf.get total at line ${shapeLine("get total()")}`);
    assert.deepEqual(hits(run, [shapeLine("return this.data.reduce")]), [1]);
  });

  test("functions defined in a block, in a switch case, in a catch clause, and an object-literal method", async () => {
    assert.deepEqual(hits(await ok("%lprun -f inBlock inBlock(1)"), [shapeLine("return n + 1;")]), [1]);
    assert.deepEqual(hits(await ok("%lprun -f viaSwitch viaSwitch(2)"), [shapeLine("return n * 10;")]), [1]);
    assert.deepEqual(hits(await ok("%lprun -f fromCatch fromCatch(2)"), [shapeLine("return n - 1;")]), [1]);
    assert.deepEqual(hits(await ok("%lprun -f shapes.area shapes.area(2, 3)"), [shapeLine("return w * h;")]), [1]);
  });

  test("an async generator consumed with for await", async () => {
    const run = await ok("%lprun -f ticks const got = await collect(3)");
    assert.deepEqual(hits(run, [shapeLine("for (let i = 0; i < n; i++) {"), shapeLine("yield i;")]), [4, 3]);
    assert.equal((await ok("got.join()")).result?.["text/plain"], "'0,1,2'");
  });

  test("functions from npm packages, CommonJS and ES modules, and from a local .js file two folders down: their own files and lines", async () => {
    await ok(
      'import { total } from "tiny-cjs";\nimport { scale } from "tiny-esm";\nconst { half } = require("./helpers/deep/calc.js");',
    );
    const cjs = await ok("%lprun -f total total([1, 2, 3])");
    assert.deepEqual(tables(cjs)[0].header.slice(1, 3), [
      "File: node_modules/tiny-cjs/index.js",
      "Function: total at line 1",
    ]);
    assert.deepEqual(
      tables(cjs)[0].rows.map((r) => r.contents),
      PACKAGES["node_modules/tiny-cjs/index.js"].split("\n").slice(0, 7),
    );
    assert.deepEqual(hits(cjs, [2, 3, 4, 6]), [1, 4, 3, 1]);
    const esm = await ok("%lprun -f scale scale([1, 2], 3)");
    assert.deepEqual(tables(esm)[0].header[1], "File: node_modules/tiny-esm/index.js");
    assert.deepEqual(hits(esm, [3, 4]), [3, 2]);
    assert.deepEqual(hits(await ok("%lprun -f half half(4)"), [2, 3]), [1, 1]);
    assert.equal((await ok("[total([1]), scale([1], 2)[0], half(2)].join()")).result?.["text/plain"], "'1,2,1'");
  });

  test("a short run: Total time is clocked (its real microseconds), the output says when the sampled line times are too few, and -c clocks every line", async () => {
    const run = await ok("%lprun -f small small(100)");
    const total = Number(/Total time: ([\d.e-]+) s/.exec(String(run.displays[0]["text/plain"]))![1]);
    assert.ok(total > 0 && total < 0.5, `a measured total: ${total} s`);
    assert.match(
      run.stdout,
      /Line times come from \d+ readings? of the sampler .* too few to mean much: .* add -c to clock every line/,
    );
    const clocked = await ok("%lprun -c -f small small(100)");
    assert.doesNotMatch(clocked.stdout, /too few/);
    const loop = tables(clocked)[0].rows.find((r) => r.line === shapeLine("for (let i = 0; i < n; i++) s += i;"))!;
    assert.equal(loop.hits, 101);
    assert.ok(loop.time! > 0, "the loop line has a clocked time");
  });

  test("%%lprun with no -f: the cell's top level and each function it defines, in tables of their own; afterwards they run as written", async () => {
    const run = await ok(
      "%%lprun\nlet acc = 0;\nfunction sq(x: number) {\n  return x * x;\n}\nfor (let i = 0; i < 10; i++) {\n  acc += sq(i);\n}\nacc",
    );
    assert.deepEqual(
      tables(run).map((t) => t.header[2]),
      ["Function: <module> at line 1", "Function: sq at line 2"],
    );
    assert.deepEqual(hits(run, [1, 5, 6, 8], "<module>"), [1, 11, 10, 1]);
    const [topLevel] = tables(run);
    const total = Number(/^Total time: ([\d.e-]+) s$/.exec(topLevel.header[0])![1]);
    assert.ok(total > 0, `the top level's Total time is measured: ${topLevel.header[0]}`);
    assert.ok(
      topLevel.rows.some((r) => r.percent !== null && r.percent > 0),
      "its lines have a % Time",
    );
    assert.deepEqual(hits(run, [3], "sq"), [10]);
    assert.equal((await ok("acc")).result?.["text/plain"], "285");
    assert.doesNotMatch(String((await ok("sq.toString()")).result?.["text/plain"]), /__tsprof_l/);
  });

  test("a worker thread with no copy of the function running during the statement: the output says its calls are not counted", async () => {
    await ok(
      'import { Worker } from "node:worker_threads";\nfunction inWorker(): Promise<void> {\n  return new Promise((resolve) => new Worker("let s = 0; for (let i = 0; i < 1e6; i++) s += i;", { eval: true }).once("exit", () => resolve()));\n}',
    );
    const run = await ok("%lprun -f small await inWorker(); small(10);");
    assert.match(
      run.stdout,
      /Worker threads ran during the statement with no copy of small in them \(worker \d+ \(eval\)\): calls they made are not in these tables/,
    );
    assert.deepEqual(hits(run, [shapeLine("let s = 0;")]), [1]);
  });

  test("a method of an instance whose class cell was run again: the instance's own method is profiled, in its own cell", async () => {
    const first = await ok(
      "class Counter {\n  n = 0;\n  bump() {\n    this.n++;\n    return this.n;\n  }\n}\nconst oldCounter = new Counter();",
    );
    const second = await ok("class Counter {\n  n = 0;\n  bump() {\n    this.n += 2;\n    return this.n;\n  }\n}");
    const run = await ok("%lprun -f oldCounter.bump oldCounter.bump()");
    assert.equal(
      tables(run)[0].header[1],
      `File: <cell ${first.executionCount}>`,
      `not <cell ${second.executionCount}>`,
    );
    assert.deepEqual(hits(run, [4, 5]), [1, 1]);
  });

  test("an interrupt while a closure runs its counting code: KeyboardInterrupt, the profile so far, the original back with its state", async () => {
    const run = await session.kernel.executeInterrupted("%lprun -f spin spin(1e12)", INTERRUPT_AFTER_MS);
    assert.equal(run.status, "error");
    assert.equal(run.error?.ename, "KeyboardInterrupt");
    // A count this large can overflow its column, as line_profiler's would: read the row's tokens.
    const loopLine = shapeLine("for (let i = 0; i < n; i++) spins++;");
    const row = String(run.displays[0]["text/plain"])
      .split("\n")
      .find((l) => l.trim().startsWith(`${loopLine} `))!;
    const counted = Number(row.trim().split(/\s+/)[1]);
    assert.ok(counted > 1000, `the loop was counted while it ran: ${row}`);
    const after = Number((await ok("spin(0)")).result?.["text/plain"]);
    assert.ok(after > 0, `the spins counted while profiled stay counted: ${after}`);
    assert.doesNotMatch(String((await ok("spin.toString()")).result?.["text/plain"]), /__tsprof_l/);
  });
});
