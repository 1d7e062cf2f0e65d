/**
 * %timeit and %time through a real Jupyter server, as a notebook uses them: IPython's output
 * lines, calibration, -n/-r/-o/-q, %%timeit's setup, awaited statements, interrupts, errors; and
 * the %timeit and %time lines compared with what IPython itself prints for the same numbers.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { kernelForFile, PYTHON, type Execution } from "./harness";
import { summarizeTimings } from "../../magics/measure/samplers/timing";
import { timeitLine, timeText } from "../../magics/views";

const session = kernelForFile(async ({ ok }) => {
  await ok(`
function spin(n: number): number { let s = 0; for (let i = 0; i < n; i++) s += Math.sqrt(i); return s; }
function busyWait(seconds: number): void { const end = performance.now() + seconds * 1e3; while (performance.now() < end); }
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));`);
});
const { ok } = session;

const TIME = String.raw`[\d.]+ (?:ns|µs|ms|s)`;
/** IPython's %timeit output: the line, after IPython's warning when the runs differed by over 4× (JIT warm-up can do that with few loops). */
const TIMEIT_LINE = (runs: number, loops: string) =>
  new RegExp(
    String.raw`^(?:The slowest run took [\d.]+ times longer than the fastest\. This could mean that an intermediate result is being cached\.\n)?${TIME} ± ${TIME} per loop \(mean ± std\. dev\. of ${runs} runs?, ${loops} loops? each\)$`,
  );
const PLOTLY = "application/vnd.plotly.v1+json";

/** The text/plain of the cell's display_data outputs, in order. */
const displayed = (run: Execution) => run.displays.map((d) => String(d["text/plain"] ?? ""));

describe("%timeit", () => {
  test("-n and -r: IPython's line with those counts, then a histogram of the runs", async () => {
    const run = await ok("%timeit -n 20 -r 3 spin(20000)");
    assert.match(displayed(run)[0], TIMEIT_LINE(3, "20"));
    assert.equal(run.displays.length, 2);
    assert.ok(PLOTLY in run.displays[1], "the second output is a plotly chart");
    assert.equal(run.result, undefined);
  });

  test("without -n the loop count is calibrated so that one run takes at least 0.2 s", async () => {
    const run = await ok("const calibrated = %timeit -o -q busyWait(0.002)");
    assert.deepEqual(run.outputs, [], "-q shows nothing, and an assigned value is not the cell's result");
    const value = await ok(
      "[calibrated.loops, calibrated.repeat, calibrated.timings.length, calibrated.best <= calibrated.mean && calibrated.mean <= calibrated.worst, calibrated.mean >= 0.002]",
    );
    const [loops, repeat, runs, ordered, atLeast] = JSON.parse(String(value.result!["text/plain"]).replace(/'/g, '"'));
    // 1, 2, 5, 10, 20, 50, 100 loops: 2 ms a loop reaches 0.2 s at 100 (50 only if each call took twice as long).
    assert.ok(loops === 100 || loops === 50, `loops ${loops}`);
    assert.deepEqual([repeat, runs, ordered, atLeast], [7, 7, true, true]);
  });

  test("-o as the cell's last line: the result shows as the %timeit line", async () => {
    const run = await ok("%timeit -o -n 5 -r 2 spin(1000)");
    assert.match(String(run.result?.["text/plain"]), TIMEIT_LINE(2, "5"));
  });

  test("%%timeit: the setup on the magic line runs once, its names are the body's only", async () => {
    const run = await ok(
      "%%timeit -n 5 -r 2 const values = Array.from({ length: 1000 }, (_, i) => i)\nvalues.reduce((a, b) => a + b, 0)",
    );
    assert.match(displayed(run)[0], TIMEIT_LINE(2, "5"));
    const leaked = await session.kernel.execute("values");
    assert.equal(leaked.status, "error");
    assert.equal(leaked.error?.ename, "CompileError");
    assert.match(leaked.text, /Cannot find name 'values'/);
  });

  test("an awaited statement is timed until it settles", async () => {
    const run = await ok("const slept = %timeit -o -q -n 3 -r 2 await sleep(50)");
    assert.deepEqual(run.outputs, []);
    const best = Number((await ok("slept.best")).result!["text/plain"]);
    // Node's timers count from the event loop's last clock reading, so one can fire a few ms early.
    assert.ok(best >= 0.04, `each loop waits 50 ms, best ${best}`);
  });

  test("an interrupt stops a statement that never ends; the notebook's names survive", async () => {
    await ok("const beforeTimeit = 'kept';");
    const stopped = await session.kernel.executeInterrupted("%timeit -n 1 -r 1 spin(1e15)", 1000);
    assert.equal(stopped.status, "error");
    assert.equal(stopped.error?.ename, "KeyboardInterrupt");
    assert.deepEqual((await ok("beforeTimeit")).result, { "text/plain": "'kept'" });
  });

  test("bad options and statements that do not compile are reported in the cell", async () => {
    const badRepeat = await session.kernel.execute("%timeit -r 0 spin(1)");
    assert.equal(badRepeat.status, "error");
    assert.equal(badRepeat.error?.ename, "UsageError");
    assert.match(badRepeat.text, /-r must be at least 1 run, got 0/);
    const broken = await session.kernel.execute("%timeit spin(");
    assert.equal(broken.status, "error");
    assert.equal(broken.error?.ename, "CompileError");
    assert.match(broken.text, /<cell \d+>/);
    assert.equal((await session.kernel.execute("1 + 1")).status, "ok");
  });
});

describe("%time", () => {
  test("CPU times and wall time; the names it declares stay defined", async () => {
    const run = await ok("%time const spun = spin(2_000_000)");
    assert.match(
      displayed(run)[0],
      new RegExp(String.raw`^CPU times: user ${TIME}, sys: ${TIME}, total: ${TIME}\nWall time: ${TIME}$`),
    );
    assert.deepEqual((await ok("typeof spun")).result, { "text/plain": "'number'" });
  });

  test("%%time: the cell's value is its result; an await counts in the wall time, not in CPU time", async () => {
    const run = await ok("%%time\nawait sleep(100);\n6 * 7");
    assert.deepEqual(run.result, { "text/plain": "42" });
    const [, wall, unit] = /Wall time: ([\d.]+) (ms|s)$/.exec(displayed(run)[0]) ?? [];
    assert.ok(Number(wall) * (unit === "s" ? 1000 : 1) >= 90, displayed(run)[0]);
  });

  test("a statement that throws shows its error and no times", async () => {
    const run = await session.kernel.execute("%time JSON.parse('{')");
    assert.equal(run.status, "error");
    assert.equal(run.error?.ename, "SyntaxError");
    assert.deepEqual(displayed(run), []);
  });
});

describe("the lines match IPython's for the same numbers", () => {
  /** [seconds per loop of each run, loops, precision] */
  const timeitCases: [number[], number, number][] = [
    [[0.00123, 0.00125, 0.0012], 100, 3],
    [[2.5], 1, 3],
    [[4.2e-8, 4.3e-8, 4.1e-8, 4.2e-8, 4.2e-8, 4.4e-8, 4.2e-8], 10_000_000, 3],
    [[0.0173, 0.0171, 0.0169, 0.0174, 0.017, 0.0172, 0.0168], 20, 3],
    [[0.000731, 0.000702], 500, 2],
    [[1.234567, 1.234599, 1.2346], 1, 6],
  ];
  /** [user, sys, wall] seconds */
  const timeCases: [number, number, number][] = [
    [0.0012, 0, 0.0034],
    [0.25, 0.003, 0.31],
    [61.5, 0.25, 3725.5],
    [0.0000071, 0.000000123, 0.0000159],
  ];

  test("%timeit's `mean ± std. dev. per loop` line and %time's `CPU times … Wall time` lines", () => {
    const script = `
import json, sys
from IPython.core.magics.execution import TimeitResult, _format_time
cases = json.loads(sys.argv[1])
lines = [str(TimeitResult(loops, len(t), min(t) * loops, max(t) * loops, [x * loops for x in t], 0, precision)) for t, loops, precision in cases["timeit"]]
times = ["CPU times: user %s, sys: %s, total: %s\\nWall time: %s" % (_format_time(u), _format_time(s), _format_time(u + s), _format_time(w)) for u, s, w in cases["time"]]
print(json.dumps({"timeit": lines, "time": times}))`;
    const run = spawnSync(PYTHON, ["-c", script, JSON.stringify({ timeit: timeitCases, time: timeCases })], {
      encoding: "utf8",
      env: { ...process.env, PYTHONIOENCODING: "utf-8" },
    });
    assert.equal(run.status, 0, run.stderr);
    const ipython: { timeit: string[]; time: string[] } = JSON.parse(run.stdout);
    assert.deepEqual(
      timeitCases.map(([timings, loops, precision]) => timeitLine(summarizeTimings(timings, loops, "stmt"), precision)),
      ipython.timeit,
    );
    assert.deepEqual(
      timeCases.map(([user, system, wall]) => timeText({ user, system, wall, statement: "stmt" })),
      ipython.time,
    );
  });
});
