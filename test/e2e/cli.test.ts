/**
 * The command line on scripts, run as users run it: the built `tsprof` command (the package's
 * bin) in a child process, on scripts written to a folder of their own, with the packages they
 * import linked into its node_modules (tsprof itself too, for the marker under plain node).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser } from "playwright-core";
import { clickHeader, headerStates, launchChromium, tableRows } from "./rich-output";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const CLI = path.join(ROOT, "dist", "kernel", "cli", "cli.js");

/** The article's forward pass (x 100×64, w1 64×256, w2 256×10; two matmul calls), as ts_version.ts. */
const TS_VERSION = `function randomMatrix(rows: number, cols: number): number[][] {
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => Math.random()));
}

function matmul(a: number[][], b: number[][]): number[][] {
  const n = a.length, m = b[0].length, k = b.length;
  const out: number[][] = [];
  for (let i = 0; i < n; i++) {
    const row = new Array<number>(m).fill(0);
    for (let j = 0; j < m; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) {
        sum += a[i][p] * b[p][j];
      }
      row[j] = sum;
    }
    out.push(row);
  }
  return out;
}

function relu(m: number[][]): number[][] {
  return m.map((row) => row.map((v) => Math.max(0, v)));
}

function forward(x: number[][], w1: number[][], w2: number[][]): number[][] {
  return matmul(relu(matmul(x, w1)), w2);
}

const x = randomMatrix(100, 64);
const w1 = randomMatrix(64, 256);
const w2 = randomMatrix(256, 10);
const y = forward(x, w1, w2);
console.log("output shape", y.length, y[0].length);
`;

const FILES: Record<string, string> = {
  "ts_version.ts": TS_VERSION,
  // An ES module (package.json "type" is not module here: .mts says so) importing a package, a
  // local file the TypeScript way (./lib.js for lib.ts), and awaiting at its top level.
  "cache.mts": `import { LRUCache } from "lru-cache";
import { square } from "./lib.js";

const cache = new LRUCache<number, number>({ max: 50 });
for (let i = 0; i < 300; i++) cache.set(i % 100, square(i));
await new Promise((resolve) => setTimeout(resolve, 5));
console.log("cached", cache.size, "meta", typeof import.meta.url);
`,
  // The shapes %lprun reaches in a notebook by evaluating -f, here held by top-level names: an
  // instance's methods (inherited, a field's arrow, a getter), a factory's closure, a bound
  // method, an instance of another file's class; and one known only as the script runs.
  "shapes.ts": `import { Counter } from "./counter";
class Layer {
  forward(x: number): number {
    let s = 0;
    for (let i = 0; i < x; i++) s += i;
    return s;
  }
}
class Net extends Layer {
  run = (n: number) => this.forward(n) + 1;
  get size(): number {
    return 2 + 3;
  }
}
function makeStep(rate: number) {
  return (w: number) => w - w * rate;
}
const net = new Net();
const step = makeStep(0.5);
const bound = net.forward.bind(net);
const counter = new Counter();
const picked = process.argv.length > 99 ? step : bound;
let w = 8;
for (let i = 0; i < 3; i++) w = step(w);
for (let i = 0; i < 4; i++) counter.add(i);
console.log(net.forward(10), net.run(4), net.size, bound(3), w, counter.total, typeof picked);
`,
  "counter.ts": `export class Counter {
  total = 0;
  add(n: number): void {
    this.total += n;
  }
}
`,
  "lib.ts": `export function square(x: number): number {
  return x * x;
}
`,
  // The marker, as a decorator (TC39's) and as a call.
  "marked.ts": `import { profile } from "tsprof";

class Net {
  @profile
  forward(n: number): number {
    let total = 0;
    for (let i = 0; i < n; i++) total += i;
    return total;
  }
}

const halve = profile((xs: number[]) => xs.map((x) => x / 2));
console.log("forward", new Net().forward(10), "halve", halve([2, 4]).join(","));
`,
  "marked.js": `const { profile } = require("tsprof");
const double = profile(function double(xs) {
  return xs.map((x) => 2 * x);
});
console.log("double", double([1, 2]).join(","), "same", profile(double) === double);
console.log("loaded", Object.keys(require.cache).map((f) => require("path").basename(f)).join(" "));
`,
  // CommonJS, strict as TypeScript emits it.
  "args.cts": `console.log(JSON.stringify(process.argv.slice(2)), process.argv[1].endsWith("args.cts"), (function (this: unknown) { return this; })());
process.exitCode = 3;
`,
  // A hashbang line, as an executable script starts, in both formats.
  "hashbang.mts": `#!/usr/bin/env node
function greet(name: string): string {
  return "hi " + name;
}
console.log(greet("there"), import.meta.url.endsWith("hashbang.mts"));
`,
  "hashbang.cts": `#!/usr/bin/env -S node --enable-source-maps
function greet(name: string): string {
  return "hi " + name;
}
console.log(greet("there"), require.main === module);
`,
  // A top-level await nothing settles (node exits 13), and one on a thread-pool job (no handle on the loop).
  "unsettled.mts": `function f(): number {
  return 1;
}
console.log("before", f());
await new Promise(() => {});
console.log("never");
`,
  "pool.mts": `import { pbkdf2 } from "node:crypto";
import { promisify } from "node:util";
const key = await promisify(pbkdf2)("pw", "salt", 200_000, 64, "sha512");
console.log("key", key.length);
`,
  // A dynamic import in a callback, with nothing else pending: the run waits for it.
  "imports-later.mts": `setTimeout(async () => {
  const { step } = await import("./later.mjs");
  console.log("imported", step(20));
}, 5);
`,
  "imports-later.cts": `setTimeout(async () => {
  const { step } = await import("./later.mjs");
  console.log("imported", step(21));
}, 5);
`,
  "later.mjs": `export function step(n) {
  return n * 2;
}
`,
  "exits.ts": `function work(): number {
  let s = 0;
  for (let i = 0; i < 1e5; i++) s += i;
  return s;
}
setTimeout(() => {
  console.log("work", work());
  process.exit(5);
}, 5);
`,
  "spins.cts": `function spin(): number {
  let s = 0;
  for (;;) s += Math.sqrt(s + 1);
}
console.log("spinning");
spin();
`,
  // An ES module awaiting at its top level, as a service's entry point does.
  "serves.mts": `function busy(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end);
}
async function serve(): Promise<never> {
  for (;;) {
    busy(5);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}
console.log("spinning");
await serve();
`,
  // ES modules busy in their synchronous top level, before any await: a loop that never ends (in a function, in a
  // graph of two modules), and one that would end, much later, calling a function.
  "spins.mts": `import { square } from "./lib.js";
function spin(): number {
  let s = 0;
  while (true) s += Math.sqrt(s + square(1));
}
console.log("spinning");
spin();
`,
  "counts.mts": `function step(i: number): number {
  return Math.sqrt(i + 1);
}
console.log("spinning");
let total = 0;
for (let i = 0; i < 1e12; i++) total += step(i);
console.log(total);
`,
  // An ES module busy in a timer's callback: Ctrl-C waits for the loop there to end.
  "ticks.mts": `function busy(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end);
}
setTimeout(() => {
  console.log("spinning");
  busy(1500);
  console.log("busy done");
}, 0);
`,
  "throws.ts": `function inner(depth: number): number {
  if (depth === 3) throw new RangeError("too deep at " + depth);
  return inner(depth + 1);
}
console.log("before the throw");
inner(0);
`,
};

let dir: string;

function tsprof(...args: string[]) {
  const run = spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: "utf8", timeout: 120_000 });
  return { stdout: run.stdout, stderr: run.stderr, status: run.status };
}

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsprof-cli-"));
  for (const [name, text] of Object.entries(FILES)) fs.writeFileSync(path.join(dir, name), text);
  fs.mkdirSync(path.join(dir, "node_modules"));
  fs.symlinkSync(ROOT, path.join(dir, "node_modules", "tsprof"));
  fs.symlinkSync(path.join(ROOT, "node_modules", "lru-cache"), path.join(dir, "node_modules", "lru-cache"));
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

test("tsprof prun on the article's ts_version.ts: the script's output, then cProfile's table with matmul's 2 calls on its TypeScript line", () => {
  const { stdout, status } = tsprof("prun", "-s", "cumulative", "ts_version.ts");
  assert.equal(status, 0);
  assert.ok(stdout.startsWith("output shape 100 10\n"), "the script's own output comes first");
  assert.match(stdout, /Ordered by: cumulative time/);
  assert.match(stdout, /^\s+2\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+[\d.]+ ts_version\.ts:5\(matmul\)$/m);
  assert.match(stdout, /^\s+1\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+[\d.]+ ts_version\.ts:26\(forward\)$/m);
});

test("tsprof lprun -f matmul: line_profiler's table with exact hits, 1,894,400 on the inner line", () => {
  const { stdout, status } = tsprof("lprun", "-f", "matmul", "ts_version.ts");
  assert.equal(status, 0);
  assert.match(stdout, /Function: matmul at line 5/);
  assert.match(stdout, /^\s+13\s+1894400\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+sum \+= a\[i\]\[p\] \* b\[p\]\[j\];$/m);
  assert.match(stdout, /^\s+6\s+2\s+.*const n = a\.length/m);
});

test("an ES module that imports a package and a local file: -f reaches the package's method and the other file's function", () => {
  const { stdout, stderr, status } = tsprof(
    "lprun",
    "-s",
    "-f",
    "lru-cache:LRUCache.prototype.set",
    "-f",
    "./lib.ts:square",
    "cache.mts",
  );
  assert.equal(status, 0, stderr);
  assert.match(stdout, /^cached 50 meta string$/m);
  assert.match(stdout, /Function: LRUCache\.set at line \d+/);
  assert.match(stdout, /File: lib\.ts\nFunction: square at line 1/);
  assert.match(stdout, /^\s+2\s+300\s+.*return x \* x;$/m);
  const module = tsprof("lprun", "-m", "./lib.ts", "cache.mts");
  assert.equal(module.status, 0, module.stderr);
  assert.match(module.stdout, /Function: square at line 1/);
  const prun = tsprof("prun", "cache.mts");
  assert.equal(prun.status, 0, prun.stderr);
  assert.match(prun.stdout, /^\s+300\s+.* lib\.ts:1\(square\)$/m);
});

test("-f reaches what the script's top-level names hold once it has loaded: an instance's methods, a factory's closure, a getter, a bound method, another file's instance, a package's instance", () => {
  const { stdout, stderr, status } = tsprof(
    "lprun",
    "-s",
    ...["net.forward", "net.run", "step", "Net.prototype.size", "counter.add", "bound"].flatMap((f) => ["-f", f]),
    "shapes.ts",
  );
  assert.equal(status, 0, stderr);
  assert.match(stdout, /^45 7 5 3 1 6 function$/m);
  assert.match(stdout, /^-f step: makeStep\(0\.5\) returns a closure: every closure of that function is counted/m);
  assert.match(
    stdout,
    /^-f bound: net\.forward\.bind\(net\) is a bound function: the function it calls is profiled\.$/m,
  );
  const table = (fn: string) => stdout.slice(stdout.indexOf(`Function: ${fn} at`)).split("Total time:")[0];
  // forward(10), forward(4) through run, forward(3) through bound: 11 + 5 + 4 tests of the loop.
  assert.match(table("Layer.forward"), /^\s+5\s+20\s+.*for \(let i = 0; i < x; i\+\+\) s \+= i;$/m);
  assert.match(table("Net.run"), /^\s+10\s+1\s+.*run = \(n: number\) => this\.forward\(n\) \+ 1;$/m);
  assert.match(table("<anonymous>@shapes.ts:16"), /^\s+16\s+3\s+.*return \(w: number\) => w - w \* rate;$/m);
  assert.match(table("Net.get size"), /^\s+12\s+1\s+.*return 2 \+ 3;$/m);
  assert.match(stdout, /File: counter\.ts\nFunction: Counter\.add at line 3/);
  assert.match(table("Counter.add"), /^\s+4\s+4\s+.*this\.total \+= n;$/m);
  const cache = tsprof("lprun", "-f", "cache.set", "cache.mts");
  assert.equal(cache.status, 0, cache.stderr);
  assert.match(cache.stdout, /Function: LRUCache\.set at line \d+/);
});

test("the marker: tsprof lprun with no -f profiles the marked functions; plain node runs the script unchanged, loading only the marker", () => {
  const marked = tsprof("lprun", "marked.ts");
  assert.equal(marked.status, 0, marked.stderr);
  assert.match(marked.stdout, /^forward 45 halve 1,2$/m);
  assert.match(marked.stdout, /Function: Net\.forward at line 5/);
  assert.match(marked.stdout, /^\s+7\s+11\s+.*for \(let i = 0; i < n; i\+\+\) total \+= i;$/m);
  assert.match(marked.stdout, /Function: halve at line 12|Function: <anonymous>@marked\.ts:12 at line 12/);
  const plain = spawnSync(process.execPath, ["marked.js"], { cwd: dir, encoding: "utf8" });
  assert.equal(plain.status, 0, plain.stderr);
  assert.equal(plain.stdout, "double 2,4 same true\nloaded marked.js marker.js\n");
  const profiled = tsprof("lprun", "marked.js");
  assert.equal(profiled.status, 0, profiled.stderr);
  assert.match(profiled.stdout, /^double 2,4 same true$/m);
  assert.match(profiled.stdout, /^\s+3\s+1\s+.*return xs\.map/m);
});

test("the script's arguments pass through as node gives them, options after the script included; its exit code is the command's; it runs in strict mode as compiled", () => {
  const { stdout, status } = tsprof("prun", "-q", "args.cts", "a b", "--flag", "-s", "x");
  assert.equal(stdout, '["a b","--flag","-s","x"] true undefined\n');
  assert.equal(status, 3);
});

test("a script starting with a hashbang line runs, its lines where they are (ES module and CommonJS)", () => {
  for (const script of ["hashbang.mts", "hashbang.cts"]) {
    const prun = tsprof("prun", script);
    assert.equal(prun.status, 0, prun.stderr);
    assert.match(prun.stdout, /^hi there true\n/);
    assert.match(
      prun.stdout,
      new RegExp(`^\\s*1\\s+[\\d.]+\\s+[\\d.]+\\s+[\\d.]+\\s+[\\d.]+ ${script.replace(".", "\\.")}:2\\(greet\\)$`, "m"),
    );
    const lprun = tsprof("lprun", "-f", "greet", script);
    assert.equal(lprun.status, 0, lprun.stderr);
    assert.match(lprun.stdout, /^\s+3\s+1\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+return "hi " \+ name;$/m);
  }
});

test("a top-level await that nothing settles: the profile, node's warning, exit code 13; one on a thread-pool job is awaited", () => {
  for (const command of [["prun"], ["lprun", "-f", "f"], ["alloc"]]) {
    const { stdout, stderr, status } = tsprof(...command, "unsettled.mts");
    assert.equal(status, 13, stderr);
    assert.match(stdout, /^before 1\n/);
    assert.doesNotMatch(stdout, /^never$/m);
    assert.match(stderr, /^Warning: Detected unsettled top-level await in unsettled\.mts/m);
  }
  assert.match(
    tsprof("prun", "unsettled.mts").stdout,
    /^\s*1\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+[\d.]+ unsettled\.mts:1\(f\)$/m,
  );
  const pool = tsprof("prun", "-q", "pool.mts");
  assert.equal(pool.status, 0, pool.stderr);
  assert.equal(pool.stdout, "key 64\n");
});

test("a dynamic import in a callback is part of the run: its output, then the profile (ES module and CommonJS, prun and alloc)", () => {
  for (const [script, expected] of [
    ["imports-later.mts", "imported 40"],
    ["imports-later.cts", "imported 42"],
  ])
    for (const command of ["prun", "alloc"]) {
      const { stdout, stderr, status } = tsprof(command, script);
      assert.equal(status, 0, stderr);
      assert.match(stdout, new RegExp(`^${expected}$`, "m"), `${command} ${script}`);
      assert.match(stdout, command === "prun" ? /later.mjs:1\(step\)/ : /JS heap: /, `${command} ${script}`);
    }
});

test("process.exit in a callback ends the script, not the profiler: its profile, then its exit code", () => {
  const { stdout, status } = tsprof("prun", "exits.ts");
  assert.equal(status, 5);
  assert.match(stdout, /^work 4999950000\n/);
  assert.match(stdout, /^\s+1\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+[\d.]+ exits\.ts:1\(work\)$/m);
});

test("a script that throws: its profile, then the error on its TypeScript lines, exit code 1", () => {
  const { stdout, stderr, status } = tsprof("prun", "throws.ts");
  assert.equal(status, 1);
  assert.match(stdout, /^before the throw\n/);
  assert.match(stdout, /^\s+4\s+.* throws\.ts:1\(inner\)$/m);
  assert.match(stderr, /^RangeError: too deep at 3\n\s+at inner \(throws\.ts:2\)/m);
});

for (const [script, fn, where] of [
  ["spins.cts", /spins\.cts:1\(spin\)/, "a synchronous loop"],
  ["serves.mts", /serves\.mts:1\(busy\)/, "an ES module awaiting at its top level"],
  ["spins.mts", /spins\.mts:2\(spin\)/, "an ES module's top level, a loop that never ends"],
  ["counts.mts", /counts\.mts:1\(step\)/, "an ES module's top-level loop calling a function"],
  ["ticks.mts", /ticks\.mts:1\(busy\)/, "an ES module's timer callback, which ends first"],
] as const) {
  test(`Ctrl-C (${script}: ${where}): what was measured so far, then KeyboardInterrupt, exit code 130`, async () => {
    const child = spawn(process.execPath, [CLI, "prun", script], { cwd: dir });
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    await new Promise<void>((resolve) =>
      child.stdout.on("data", (d) => {
        stdout += d;
        if (stdout.includes("spinning\n")) resolve();
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    child.kill("SIGINT");
    assert.equal(await exited, 130, stderr);
    assert.match(stdout, new RegExp(`^\\s*\\d+\\s+[\\d.]+\\s+[\\d.]+\\s+[\\d.]+\\s+[\\d.]+ ${fn.source}$`, "m"));
    assert.match(stderr, /^KeyboardInterrupt$/m);
    // A callback is not stopped: its loop ends, then Ctrl-C is seen.
    if (script === "ticks.mts") assert.match(stdout, /^busy done$/m);
  });
}

test("bad input: one line naming what is wrong, exit code 2", () => {
  for (const [args, message] of [
    [["prun", "missing.ts"], /^tsprof: missing\.ts: no such file\.\n$/],
    [["prun", "-z", "ts_version.ts"], /^tsprof prun: option -z not recognized\. Run tsprof prun --help for help\.\n$/],
    [
      ["lprun", "--nope", "ts_version.ts"],
      /^tsprof lprun: unrecognized option --nope\. Run tsprof lprun --help for help\.\n$/,
    ],
    [
      ["lprun", "-f", "nosuch", "ts_version.ts"],
      /^tsprof: nosuch is not a function: ts_version\.ts defines no function, class or object named nosuch at its top level\.\n$/,
    ],
    [
      ["lprun", "-f", "picked", "shapes.ts"],
      /^tsprof: picked: tsprof cannot tell which function this is before the script runs: process\.argv\.length > 99 \? step : bound is computed as the script runs \(it follows the script's code from definitions, new Class\(\), a factory's returned function, \.bind and imports\)\.\n$/,
    ],
    [
      ["lprun", "-f", "net.nothing", "shapes.ts"],
      /^tsprof: net\.nothing is not a function: Net in shapes\.ts defines no function nothing, nor do the classes it extends\.\n$/,
    ],
    [
      ["lprun", "-f", "lru-cache:LRUCache.prototype.max", "cache.mts"],
      /^tsprof: lru-cache:LRUCache\.prototype\.max is not a function \(it is undefined\)\.\n$/,
    ],
  ] as const) {
    const { stdout, stderr, status } = tsprof(...args);
    assert.equal(status, 2, `${args.join(" ")}: ${stderr}`);
    assert.match(stderr, message);
    assert.equal(stdout, "", "the script did not run");
  }
});

test("tsprof prun --help lists the magic's options and the command's own", () => {
  const { stdout, status } = tsprof("prun", "--help");
  assert.equal(status, 0);
  assert.match(stdout, /^usage: tsprof prun \[options\] script \[args\.\.\.\]/);
  for (const flag of [
    "-s KEY",
    "-l LIMIT",
    "-T FILE",
    "-D FILE",
    "-F",
    "-i MICROS",
    "-t WHICH",
    "--html FILE",
    "--typecheck",
  ])
    assert.match(stdout, new RegExp(`^  ${flag.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} `, "m"));
  assert.doesNotMatch(stdout, /^  -r /m, "-r returns a value to a cell: not on the command line");
});

test("type errors are warnings; --typecheck makes them fatal", () => {
  fs.writeFileSync(path.join(dir, "typo.ts"), 'const n: number = "one";\nconsole.log("ran", n);\n');
  const warned = tsprof("memit", "typo.ts");
  assert.equal(warned.status, 0);
  assert.match(warned.stderr, /typo\.ts\(1,7\): error TS2322/);
  assert.match(warned.stdout, /^ran one\npeak memory: [\d.]+ MiB, increment: -?[\d.]+ MiB$/m);
  const checked = tsprof("memit", "--typecheck", "typo.ts");
  assert.equal(checked.status, 2);
  assert.equal(checked.stdout, "");
});

describe("--html", () => {
  let browser: Browser;
  before(async () => (browser = await launchChromium()));
  after(() => browser?.close());

  test("a self-contained report: opened offline, its table sorts and its charts draw", async () => {
    const report = path.join(dir, "report.html");
    const { status } = tsprof("prun", "--html", report, "ts_version.ts");
    assert.equal(status, 0);
    const page = await browser.newPage();
    const requests: string[] = [];
    await page.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith("file:")) return route.continue();
      requests.push(url);
      return route.abort();
    });
    await page.goto(pathToFileURL(report).href);
    await page.waitForFunction(() => {
      const charts = Array.from(document.querySelectorAll(".tsprof-chart"));
      return (
        charts.length === 2 && charts.every((c) => c.getAttribute("data-drawn") && c.querySelector("svg.main-svg"))
      );
    });
    const rows = await tableRows(page, 0);
    assert.ok(
      rows.some((r) => r[0] === "2" && r[5] === "ts_version.ts:5(matmul)"),
      JSON.stringify(rows),
    );
    await clickHeader(page, 0, "ncalls");
    const counts = (await tableRows(page, 0)).map((r) => Number(r[0])).filter((n) => !Number.isNaN(n));
    assert.deepEqual(
      counts,
      [...counts].sort((a, b) => b - a),
      "a click on ncalls orders by call count, largest first",
    );
    assert.match((await headerStates(page, 0))[0], /^ncalls\W*:descending$/);
    assert.deepEqual(requests, [], "nothing is fetched from the network");
    await page.close();
  });
});
