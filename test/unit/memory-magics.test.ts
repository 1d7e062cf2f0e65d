/**
 * %memit and %mprun as magics: what they show, return and refuse. %memit runs against the fake
 * context (plain JavaScript statements in this process); %mprun needs the kernel's line-counting
 * copies, so it runs cells through the real executor and cell runner, as the kernel does.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fakeContext } from "./fake-context";
import { memit } from "../../magics/commands/memit";
import { UsageError, MIME_BUNDLE, type MimeBundle } from "../../magics/core/context";
import { parseMagicArgs } from "../../magics/core/registry";
import { createRegistry } from "../../magics";
import { Executor } from "../../kernel/exec/executor";
import { CellRunner } from "../../kernel/exec/cell-runner";
import type { MemoryLineProfileResult, MemoryResult } from "../../magics/model/profile";
import { PLOTLY_MIME } from "../../magics/views/plotly";

const MiB = 2 ** 20;

async function runMemit(line: string, body?: string) {
  const { ctx, recorded } = fakeContext();
  const { options, rest } = parseMagicArgs(memit, line);
  const form = body === undefined ? "line" : "cell";
  const call = { form, options, rest, body: body ?? "", statement: body ?? rest } as const;
  let error: unknown;
  try {
    await memit.run(ctx, call);
  } catch (e) {
    error = e;
  }
  return { recorded, error };
}

describe("%memit", () => {
  test("shows memory_profiler's line with the split (text and HTML card), then a timeline chart with the peak marked", async () => {
    const { recorded, error } = await runMemit("new Float64Array(4 * 2 ** 20).fill(1)");
    assert.equal(error, undefined);
    const [card, chart] = recorded.displayed as MimeBundle[];
    assert.match(card["text/plain"] as string, /^peak memory: \d+\.\d\d MiB, increment: \d+\.\d\d MiB\n/);
    assert.match(card["text/plain"] as string, /\narrayBuffers +\d+\.\d\d MiB +\d+\.\d\d MiB +3[12]\.\d\d MiB\n/);
    assert.match(card["text/html"] as string, /peak memory: [\d.]+ MiB, increment: [\d.]+ MiB/);
    assert.match(card["text/html"] as string, /<table data-tsprof-sortable/);
    const figure = chart[PLOTLY_MIME] as { data: { name: string; x: number[] }[]; layout: { shapes: unknown[] } };
    assert.deepEqual(
      figure.data.map((d) => d.name),
      ["rss", "heapUsed", "external", "arrayBuffers", "highest RSS reading"],
    );
    assert.ok(figure.data[0].x.length >= 2);
    assert.equal(figure.layout.shapes.length, 1, "the peak as a line");
  });

  test("-o -q: shows nothing, returns the MemoryResult, which shows its card as a cell's value", async () => {
    const { recorded } = await runMemit("-o -q -r 2 -i 0.0005 new Float64Array(2 ** 20).fill(1)");
    assert.deepEqual(recorded.displayed, []);
    const [result] = recorded.results as MemoryResult[];
    assert.equal(result.statement, "new Float64Array(2 ** 20).fill(1)");
    assert.equal(result.repeats, 2);
    assert.equal(result.interval, 0.0005);
    assert.ok(result.peak.arrayBuffers - result.baseline.arrayBuffers >= 8 * MiB);
    const view = (result as any)[MIME_BUNDLE]() as MimeBundle;
    assert.match(view["text/plain"] as string, /^peak memory: /);
    assert.deepEqual(Object.keys(JSON.parse(JSON.stringify(result))).sort(), [
      "baseline",
      "collected",
      "duration",
      "exactPeak",
      "heapInterval",
      "increment",
      "interval",
      "peak",
      "repeats",
      "samples",
      "statement",
      "timedOut",
    ]);
  });

  test("%%memit: the code on the magic's line is setup, run first and not measured; the body keeps its cell lines", async () => {
    const { recorded, error } = await runMemit("globalThis.setupRan = 1", "globalThis.setupRan + 1");
    assert.equal(error, undefined);
    assert.deepEqual(recorded.evaluated, ["globalThis.setupRan = 1", "\nglobalThis.setupRan + 1"]);
    assert.equal(recorded.displayed.length, 2);
  });

  test("a throwing statement shows what was measured, then its error", async () => {
    const { recorded, error } = await runMemit(
      '(() => { const a = new Float64Array(2 ** 20).fill(1); throw new RangeError("after " + a.length); })()',
    );
    assert.ok(error instanceof RangeError);
    assert.equal((error as Error).message, "after 1048576");
    assert.match(recorded.displayed[0]["text/plain"] as string, /^peak memory: /);
  });

  test("bad options are usage errors, and nothing runs", async () => {
    for (const [line, message] of [
      ["-r 0 1", /-r must be at least 1 run, got 0/],
      ["-i 0.00001 1", /-i must be at least 0.0001 seconds, got 0.00001/],
      ["-t 0 1", /-t must be a positive number of seconds, got 0/],
    ] as const) {
      const { recorded, error } = await runMemit(line);
      assert.ok(error instanceof UsageError, line);
      assert.match((error as Error).message, message);
      assert.deepEqual(recorded.evaluated, []);
    }
    const { error } = await runMemit("", "   ");
    assert.match((error as Error).message, /%%memit: the cell has nothing to measure/);
  });
});

describe("%mprun", () => {
  const executor = new Executor(process.cwd(), {});
  const runner = new CellRunner(executor, createRegistry(), process.cwd());
  let count = 0;
  after(() => executor.close());

  async function cell(code: string) {
    const displayed: MimeBundle[] = [];
    const printed: string[] = [];
    const results: unknown[] = [];
    const output = {
      stream: (_: string, t: string) => printed.push(t),
      display: (b: MimeBundle) => displayed.push(b),
      page: (t: string) => printed.push(t),
      result: (v: unknown) => results.push(v),
      clear() {},
    };
    let error: unknown;
    try {
      await runner.run(code, ++count, output);
    } catch (e) {
      error = e;
    }
    return { displayed, printed, results, error };
  }

  test("per line of the function: the memory it added on the line that allocates, exact occurrences, memory_profiler's table", async () => {
    const defined = await cell(
      [
        "function makeBig(n: number): number {",
        "  const small = new Float64Array(n).fill(1);",
        "  let s = 0;",
        "  for (let i = 0; i < 3; i++) s += small[i];",
        "  const big = new Float64Array(20 * n).fill(2);",
        "  return s + big.length;",
        "}",
      ].join("\n"),
    );
    assert.equal(defined.error, undefined);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "mprun-")), "mem.txt");
    const run = await cell(`%mprun -r -T ${file} -f makeBig makeBig(1e6)`);
    assert.equal(run.error, undefined);
    const [result] = run.results as MemoryLineProfileResult[];
    const rows = result.functions[0].lines;
    assert.deepEqual(
      rows.map((l) => [l.line, l.occurrences]),
      [
        [1, 0],
        [2, 1],
        [3, 1],
        [4, 4],
        [5, 1],
        [6, 1],
        [7, 0],
      ],
    );
    const big = rows[4].increment / MiB;
    assert.ok(Math.abs(big / ((20e6 * 8) / MiB) - 1) < 0.1, `line 5 added ${big} MiB, expected 152.6 MiB ± 10%`);
    assert.ok(
      Math.abs(rows[2].increment) < 2 * MiB && Math.abs(rows[3].increment) < 2 * MiB,
      "lines that allocate nothing",
    );
    assert.ok(rows[4].memUsage! >= rows[1].memUsage! + 140 * MiB);
    const text = run.displayed[0]["text/plain"] as string;
    assert.equal(
      text.split("\n").slice(0, 4).join("\n"),
      `Filename: <cell ${count - 1}>\n\nLine #    Mem usage    Increment  Occurrences   Line Contents\n${"=".repeat(61)}`,
    );
    assert.match(
      text,
      /\n     5 +\d+\.\d MiB +1[3-6]\d\.\d MiB +1     const big = new Float64Array\(20 \* n\)\.fill\(2\);\n/,
    );
    assert.equal(fs.readFileSync(file, "utf8"), text);
    assert.deepEqual(run.printed, [`\n*** Profile printout saved to text file ${file}. \n`]);
    assert.equal(
      (await executor.run("String(makeBig).includes('__tsprof_lh')", { file: "<check>", line: 1 })).value,
      false,
      "the original is back",
    );
  });

  test("a throwing statement shows the lines measured until then, then its error; the original is back", async () => {
    await cell(
      "function fails(n: number): number {\n  const a = new Float64Array(n).fill(1);\n  if (a.length > 0) throw new RangeError(`too big: ${a.length}`);\n  return 0;\n}",
    );
    const run = await cell("%mprun -f fails fails(2 ** 20)");
    assert.ok(run.error instanceof RangeError);
    assert.equal((run.error as Error).message, "too big: 1048576");
    const text = run.displayed[0]["text/plain"] as string;
    assert.match(text, /\n     3 +[\d.]+ MiB +-?[\d.]+ MiB +1     if \(a\.length > 0\) throw/);
    assert.match(text, /\n     4 {41}  return 0;$/m, "the line after the throw never ran");
    const fn = await executor.run("String(fails).includes('__tsprof_lh')", { file: "<check>", line: 1 });
    assert.equal(fn.value, false, "the line-counting copy is gone");
  });

  test("needs -f; a function it cannot profile is refused in %mprun's name", async () => {
    assert.match(String((await cell("%mprun makeBig(1)")).error), /%mprun needs a function to profile: -f FUNC/);
    const refused = await cell("%mprun -f Math.max Math.max(1, 2)");
    assert.ok(refused.error instanceof UsageError);
    assert.match(
      (refused.error as Error).message,
      /^Math\.max is a native function \(max\): it has no JavaScript source, so %mprun has no lines to count/,
    );
  });
});
