/**
 * The %prun and %lprun text layouts against the Python tools they mirror, generated live: the
 * same small programs run under cProfile/pstats and line_profiler (Debian's python3 and
 * python3-line-profiler), and under tsprof through Jupyter. Headers must be equal; summary and
 * title lines equal once numbers and file names are set aside; every row's columns must end
 * where the Python tool's end, and a line's source must start in the same column.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { kernelForFile, PYTHON } from "./harness";

const PYTHON_PROGRAM = `
import cProfile, io, pstats, sys
from line_profiler import LineProfiler

def sumLoop():
    s = 0
    for i in range(200000):
        s += i
    return s

def f(n):
    return n + 1

def callF(times):
    s = 0
    for i in range(times):
        s = f(s)
    return s

which = sys.argv[1]
if which == "lprun":
    profiler = LineProfiler(sumLoop)
    profiler.runcall(sumLoop)
    profiler.print_stats()
else:
    profiler = cProfile.Profile()
    profiler.enable()
    callF(1234)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("time").print_stats()
`;

/**
 * sumLoop runs long enough for %lprun's sampler to time it: a function it never caught would
 * have a total time of 0 and, as in line_profiler, a blank % Time column.
 */
const TYPESCRIPT_PROGRAM = `function sumLoop(): number {
  let s = 0;
  for (let i = 0; i < 200000; i++) {
    s += i;
  }
  return s;
}
function f(n: number): number {
  return n + 1;
}
function callF(times: number): number {
  let s = 0;
  for (let i = 0; i < times; i++) s = f(s);
  return s;
}`;

const session = kernelForFile(async ({ ok }) => {
  await ok(TYPESCRIPT_PROGRAM);
});

function python(which: "prun" | "lprun"): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsprof-layouts-"));
  const script = path.join(dir, "program.py");
  fs.writeFileSync(script, PYTHON_PROGRAM);
  const run = spawnSync(PYTHON, [script, which], { encoding: "utf8" });
  fs.rmSync(dir, { recursive: true, force: true });
  assert.equal(run.status, 0, run.stderr);
  return run.stdout.trimEnd().split("\n");
}

async function tsprof(code: string): Promise<string[]> {
  const run = await session.ok(code);
  return String(run.displays[0]?.["text/plain"]).split("\n");
}

/**
 * A line with its numbers and its file set aside. With `decimals`, a fixed-point number keeps its
 * number of decimals (pstats' `%.3f`); without, any number is N (line_profiler's `%g`).
 */
function shape(line: string, decimals = false): string {
  const fixed = (text: string) =>
    decimals ? text.replace(/\d+\.(\d+)(?![\de])/g, (_, fraction: string) => `N.${"d".repeat(fraction.length)}`) : text;
  return fixed(line.replace(/^File: .*/, "File: F")).replace(/\d+(\.\d+)?(e[-+]?\d+)?/g, "N");
}

/** Where the first `count` whitespace-separated fields of a row end. */
function fieldEnds(row: string, count: number): number[] {
  return [...row.matchAll(/\S+/g)].slice(0, count).map((m) => m.index! + m[0].length);
}

/** The rows below a header line, up to the first blank line. */
function rowsBelow(lines: string[], header: string, skip = 1): string[] {
  const start = lines.indexOf(header);
  assert.ok(start >= 0, `no header in:\n${lines.join("\n")}`);
  const rows = lines.slice(start + skip);
  const end = rows.indexOf("");
  return end < 0 ? rows : rows.slice(0, end);
}

test("%prun against cProfile/pstats: summary, 'Ordered by', header and column ends", async () => {
  const ours = await tsprof("%prun callF(1234)");
  const theirs = python("prun");
  const header = theirs.find((l) => l.includes("filename:lineno(function)"))!;
  assert.ok(ours.includes(header), `pstats' header ${JSON.stringify(header)} is missing from:\n${ours.join("\n")}`);
  const preamble = (lines: string[]) => lines.slice(0, lines.indexOf(header)).map((l) => shape(l, true));
  assert.deepEqual(preamble(ours), preamble(theirs.slice(theirs.findIndex((l) => /function calls/.test(l)))));
  const theirEnds = rowsBelow(theirs, header).map((row) => fieldEnds(row, 5));
  assert.ok(theirEnds.length >= 3);
  for (const ends of theirEnds) assert.deepEqual(ends, theirEnds[0], "pstats' own rows share their column ends");
  const counted = rowsBelow(ours, header).filter((row) => /^\s*\d/.test(row));
  assert.ok(counted.length >= 3, ours.join("\n"));
  for (const row of counted) {
    assert.deepEqual(fieldEnds(row, 5), theirEnds[0], `column ends of ${JSON.stringify(row)}`);
    assert.equal(row[theirEnds[0][4]], " ", "one space before filename:lineno(function), as pstats");
    assert.notEqual(row[theirEnds[0][4] + 1], " ");
  }
});

test("%lprun against line_profiler: title lines, header, rule, column ends and where the source starts", async () => {
  const ours = await tsprof("%lprun -f sumLoop sumLoop()");
  const theirs = python("lprun");
  const header = theirs.find((l) => l.startsWith("Line #"))!;
  const rule = theirs[theirs.indexOf(header) + 1];
  assert.match(rule, /^=+$/);
  assert.equal(ours[ours.indexOf(header) + 1], rule, "the same rule under the same header");
  const title = (lines: string[]) => lines.slice(0, lines.indexOf(header)).map((l) => shape(l));
  assert.deepEqual(title(ours), title(theirs));

  const layout = (lines: string[], source: string[]) => {
    const rows = rowsBelow(lines, header, 2);
    const withHits = rows.filter((row) => /^\s*\d+\s+\d/.test(row));
    const defining = rows[0];
    // The function's first line has no hits: its text starts where every line's source starts.
    const sourceColumn = [...defining.matchAll(/\S+/g)][1].index!;
    rows.forEach((row, i) =>
      assert.equal(row.slice(sourceColumn), source[i], `the source column of ${JSON.stringify(row)}`),
    );
    return { sourceColumn, ends: withHits.map((row) => fieldEnds(row, 5)) };
  };
  const pythonSource = PYTHON_PROGRAM.split("\n").slice(4, 9);
  const theirLayout = layout(theirs, pythonSource);
  const ourLayout = layout(ours, TYPESCRIPT_PROGRAM.split("\n").slice(0, 7));
  assert.equal(ourLayout.sourceColumn, theirLayout.sourceColumn);
  assert.ok(theirLayout.ends.length >= 3 && ourLayout.ends.length >= 3);
  for (const ends of [...theirLayout.ends, ...ourLayout.ends]) assert.deepEqual(ends, theirLayout.ends[0]);
});
