/**
 * %memit and %mprun through a real Jupyter server and the installed kernel: the 100 MiB check,
 * nested arrays against one Float64Array, -r, -o, %mprun on a function that allocates on a known
 * line, a throwing statement, and that repeated measurements leave no thread or handle behind.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { kernelForFile, plain, type Execution } from "./harness";

const session = kernelForFile();

const MiB = 2 ** 20;

/** The numbers of %memit's text: the headline and the split's increments, in MiB. */
function memitNumbers(run: Execution) {
  assert.equal(run.status, "ok", run.text);
  const text = run.displays[0]["text/plain"] as string;
  const headline = /^peak memory: (\d+\.\d\d) MiB, increment: (-?\d+\.\d\d) MiB$/m.exec(text);
  assert.ok(headline, text);
  const split = (field: string) =>
    Number(new RegExp(`^${field} +[\\d.]+ MiB +[\\d.]+ MiB +(-?[\\d.]+) MiB$`, "m").exec(text)![1]);
  return {
    text,
    peak: Number(headline[1]),
    increment: Number(headline[2]),
    heapUsed: split("heapUsed"),
    arrayBuffers: split("arrayBuffers"),
    rss: split("rss"),
  };
}

describe("%memit", () => {
  test("a 100 MiB Float64Array allocated, filled and dropped inside the statement: increment 100 MiB ± 10%", async (t) => {
    const run = await session.kernel.execute("%memit let a = new Float64Array(100 * 2 ** 17); a.fill(1); a = null;");
    const { increment, rss, text } = memitNumbers(run);
    t.diagnostic(`100 MiB: increment ${increment} MiB`);
    assert.ok(Math.abs(increment / 100 - 1) <= 0.1, text);
    assert.equal(rss, increment);
    assert.match(text, /RSS peak exact \(Linux VmHWM/);
    const chart = run.displays[1];
    assert.ok(chart["application/vnd.plotly.v1+json"], "the timeline chart");
    assert.match(chart["text/html"] as string, /tsprof-chart/);
    assert.match(run.displays[0]["text/html"] as string, /<table data-tsprof-sortable/);
  });

  test("a 1000×1000 matrix: nested arrays live in the JS heap, one Float64Array is 7.63 MiB of arrayBuffers", async (t) => {
    // -g: without a collection first, garbage of earlier cells collected during the statement lowers the heap's increment.
    const typed = memitNumbers(
      await session.kernel.execute("%memit -g const typed = new Float64Array(1000 * 1000).fill(1)"),
    );
    const nested = memitNumbers(
      await session.kernel.execute(
        "%%memit -g\nconst nested: number[][] = [];\nfor (let i = 0; i < 1000; i++) {\n  const row: number[] = [];\n  for (let j = 0; j < 1000; j++) row.push(i + j / 7);\n  nested.push(row);\n}",
      ),
    );
    const expected = (1000 * 1000 * 8) / MiB;
    for (const [name, m] of [
      ["typed", typed],
      ["nested", nested],
    ] as const) {
      t.diagnostic(`${name}: rss +${m.rss} MiB, heapUsed +${m.heapUsed} MiB, arrayBuffers +${m.arrayBuffers} MiB`);
    }
    assert.ok(Math.abs(typed.arrayBuffers / expected - 1) < 0.05, typed.text);
    assert.ok(typed.heapUsed < 1, typed.text);
    assert.ok(nested.heapUsed > 1.1 * expected, nested.text);
    assert.ok(nested.arrayBuffers < 0.5, nested.text);
    // Both stay defined, as names a cell declares do.
    assert.deepEqual((await session.kernel.execute("typed.length + nested.length")).result, {
      "text/plain": "1001000",
    });
  });

  test("-r 3 runs three times and reports the highest peak", async () => {
    await session.kernel.execute("let memitRuns = 0;");
    const { text } = memitNumbers(await session.kernel.execute("%memit -r 3 memitRuns++"));
    assert.match(text, /^3 runs \(the highest peak; the baseline is from before the first\)/m);
    assert.deepEqual((await session.kernel.execute("memitRuns")).result, { "text/plain": "3" });
  });

  test("-o -q: no output, the MemoryResult is the cell's value and shows memory_profiler's line", async () => {
    const run = await session.kernel.execute("%memit -o -q new Array(1e5).fill(0)");
    assert.equal(run.status, "ok", run.text);
    assert.deepEqual(run.displays, []);
    assert.match(run.result!["text/plain"] as string, /^peak memory: \d+\.\d\d MiB, increment: -?\d+\.\d\d MiB\n/);
    assert.match(run.result!["text/html"] as string, /tsprof-memit/);
  });

  test("a throwing statement shows what was measured, then its error", async () => {
    const run = await session.kernel.execute(
      '%memit (() => { const big = new Float64Array(4e6).fill(1); throw new Error("boom after " + big.length); })()',
    );
    assert.equal(run.status, "error");
    assert.equal(run.error!.ename, "Error");
    assert.equal(run.error!.evalue, "boom after 4000000");
    const text = run.displays[0]["text/plain"] as string;
    assert.ok(Number(/increment: ([\d.]+) MiB/.exec(text)![1]) >= 25, text);
    assert.ok(
      run.outputs.findIndex((o) => o.output_type === "display_data") <
        run.outputs.findIndex((o) => o.output_type === "error"),
    );
    assert.deepEqual((await session.kernel.execute("1 + 1")).result, { "text/plain": "2" }, "the kernel lives on");
  });

  test("many runs, throwing or interrupted, leave no thread, handle or timer behind", async () => {
    // OS threads of the kernel process, and its libuv handles and timers counted by kind (tslab's
    // typings of Node predate getActiveResourcesInfo).
    const state = async () => {
      const run = await session.kernel.execute(
        [
          'const threadCount = /Threads:\\s+(\\d+)/.exec(require("fs").readFileSync("/proc/self/status", "utf8"))?.[1];',
          "const byKind: Record<string, number> = {};",
          "for (const kind of (process as any).getActiveResourcesInfo() as string[]) byKind[kind] = (byKind[kind] ?? 0) + 1;",
          "console.log(JSON.stringify({ threadCount, byKind }));",
        ].join("\n"),
      );
      assert.equal(run.status, "ok", plain(run.text));
      return JSON.parse(run.stdout);
    };
    await session.kernel.execute("%memit 1");
    const before = await state();
    for (let i = 0; i < 12; i++) {
      const run = await session.kernel.execute(
        i % 3 === 0
          ? '%memit -q (() => { throw new Error("x"); })()'
          : "%memit -q -i 0.0002 new Float64Array(1e5).fill(1)",
      );
      assert.equal(run.status, i % 3 === 0 ? "error" : "ok", plain(run.text));
    }
    // And one stopped by an interrupt in the middle of a synchronous loop.
    const stopped = await session.kernel.executeInterrupted("%memit while (true) {}", 500);
    assert.equal(stopped.error?.ename, "KeyboardInterrupt");
    assert.match(
      stopped.displays[0]["text/plain"] as string,
      /^peak memory: /,
      "what was measured until the interrupt",
    );
    assert.deepEqual(await state(), before);
  });
});

describe("%mprun", () => {
  test("the line that allocates gets the increment; occurrences are exact; memory_profiler's table", async () => {
    const define = await session.kernel.execute(
      [
        "function build(n: number): number {",
        "  const small = new Array(n).fill(0);",
        "  const big = new Float64Array(20 * n).fill(1);",
        "  let total = 0;",
        "  for (let i = 0; i < 5; i++) total += small.length;",
        "  return total + big.length;",
        "}",
      ].join("\n"),
    );
    assert.equal(define.status, "ok", define.text);
    const run = await session.kernel.execute("%mprun -f build build(1e6)");
    assert.equal(run.status, "ok", run.text);
    const text = run.displays[0]["text/plain"] as string;
    assert.match(
      text,
      new RegExp(
        `^Filename: <cell ${define.executionCount}>\\n\\nLine #    Mem usage    Increment  Occurrences   Line Contents\\n={61}\\n`,
      ),
    );
    const row = (line: number) => new RegExp(`^ {5}${line} +([\\d.]+) MiB +(-?[\\d.]+) MiB +(\\d+)   `, "m").exec(text);
    const big = row(3);
    assert.ok(big, text);
    assert.ok(Math.abs(Number(big[2]) / ((20e6 * 8) / MiB) - 1) < 0.1, `line 3 should add ~152.6 MiB:\n${text}`);
    assert.equal(row(5)![3], "6", "the for header: 5 iterations + the final test");
    assert.ok(Math.abs(Number(row(4)![2])) < 2 && Math.abs(Number(row(6)![2])) < 2, text);
    assert.match(text, /^ {5}1 {41}function build\(n: number\): number \{$/m);
    assert.match(run.displays[0]["text/html"] as string, /<table data-tsprof-sortable/);
    assert.equal(run.displays.length, 1);
  });
});
