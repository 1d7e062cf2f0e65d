/**
 * tsprof.compare on profiles through a real Jupyter server and the installed kernel: a function
 * profiled with %prun -r / %lprun -r / %alloc -r, redefined faster in a later cell, profiled again and
 * compared: one row for it (matched by name across its two cells) with both runs and a ratio
 * above 1; lines matched by their text; bad input refused with a TypeError, the kernel alive.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { kernelForFile } from "./harness";

const PLOTLY = "application/vnd.plotly.v1+json";

const SLOW = `function slow(n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.sqrt(i) * Math.sin(i);
  return s;
}`;
/** Ten times less work, and a line inserted above the loop. */
const FASTER = `function slow(n: number): number {
  let s = 0;
  const step = 10;
  for (let i = 0; i < n; i += step) s += Math.sqrt(i) * Math.sin(i);
  return s;
}`;

const session = kernelForFile(async ({ ok }) => {
  await ok('import * as tsprof from "tsprof";');
});
const { ok } = session;

/** A value of the kernel's, as JSON. */
async function json(expression: string): Promise<any> {
  const run = await ok(`console.log(JSON.stringify(${expression}))`);
  return JSON.parse(run.stdout);
}

test("%prun -r, redefined faster in a later cell, %prun -r again: compare shows slow's row with both runs and a ratio above 1", async () => {
  const first = (await ok(SLOW)).executionCount;
  await ok("const before = %prun -q -r slow(3_000_000)");
  const second = (await ok(FASTER)).executionCount;
  await ok("const after = %prun -q -r slow(3_000_000)");
  const run = await ok(
    'const prunComparison = tsprof.compare([{ label: "before", profile: before }, { label: "after", profile: after }])',
  );
  assert.equal(run.displays.length, 2, "the table, then the chart");
  const text = String(run.displays[0]["text/plain"]);
  const slowLine = text.split("\n").find((line) => line.includes("slow ("));
  assert.ok(slowLine?.endsWith(`slow (<cell ${first}>:1 → <cell ${second}>:1)`), text);
  assert.match(text, /Ordered by: change in tottime/);
  assert.match(String(run.displays[0]["text/html"]), /data-tsprof-sortable/);
  const chart = run.displays[1][PLOTLY] as any;
  assert.deepEqual(
    chart.data.map((trace: any) => trace.name),
    ["before", "after"],
    "two runs: before and after, side by side",
  );

  const row = await json('prunComparison.rows.find((r) => r.name === "slow")');
  assert.equal(row.status, "matched");
  assert.equal(row.matchedBy, "name");
  assert.deepEqual(row.where, [`<cell ${first}>:1`, `<cell ${second}>:1`]);
  assert.deepEqual(row.values.ncalls, [1, 1]);
  assert.ok(
    row.values.tottime.every((t: number) => t > 0),
    JSON.stringify(row),
  );
  assert.ok(row.change.tottime.ratio > 1, `the faster version takes less: ${JSON.stringify(row.change)}`);
  assert.ok(row.change.tottime.difference < 0);
  assert.equal(slowLine!.match(/▼/g)?.length, 4, `tottime and cumtime went down, shown by arrows: ${slowLine}`);
});

test("%lprun -r of the two versions: lines matched by text: the changed loop line gone then new, the inserted line new", async () => {
  await ok(SLOW);
  await ok("const linesBefore = %lprun -r -f slow slow(1_000_000)");
  await ok(FASTER);
  await ok("const linesAfter = %lprun -r -f slow slow(1_000_000)");
  const run = await ok(
    'const lineComparison = tsprof.compare([{ label: "before", profile: linesBefore }, { label: "after", profile: linesAfter }])',
  );
  assert.match(String(run.displays[0]["text/plain"]), /Ordered by: line order/);
  const rows: any[] = await json(
    "lineComparison.rows.map((r) => ({ text: r.label.trim(), status: r.status, where: r.where, hits: r.values.hits }))",
  );
  assert.deepEqual(
    rows.map((r) => [r.text, r.status, r.where]),
    [
      ["function slow(n: number): number {", "matched", ["1", "1"]],
      ["let s = 0;", "matched", ["2", "2"]],
      ["for (let i = 0; i < n; i++) s += Math.sqrt(i) * Math.sin(i);", "gone", ["3", null]],
      ["const step = 10;", "new", [null, "3"]],
      ["for (let i = 0; i < n; i += step) s += Math.sqrt(i) * Math.sin(i);", "new", [null, "4"]],
      ["return s;", "matched", ["4", "5"]],
      ["}", "matched", ["5", "6"]],
    ],
  );
  assert.deepEqual(rows[2].hits, [1_000_001, null], "the old loop's header: iterations + 1");
  assert.deepEqual(rows[4].hits, [null, 100_001]);
});

test("%alloc -r of a function that allocates rows, redefined to allocate a tenth as many: its row's self bytes fall, ratio above 1", async () => {
  const first = (
    await ok(
      "function rowsOf(n: number): number[][] { const out: number[][] = []; for (let i = 0; i < n; i++) out.push(new Array(1250).fill(i)); return out; }",
    )
  ).executionCount;
  await ok("rowsOf(1000);\nconst allocBefore = %alloc -q -r rowsOf(3000)");
  const second = (
    await ok(
      "function rowsOf(n: number): number[][] { const out: number[][] = []; for (let i = 0; i < n; i += 10) out.push(new Array(1250).fill(i)); return out; }",
    )
  ).executionCount;
  await ok("rowsOf(1000);\nconst allocAfter = %alloc -q -r rowsOf(3000)");
  const run = await ok(
    'const allocComparison = tsprof.compare([{ label: "before", profile: allocBefore }, { label: "after", profile: allocAfter }])',
  );
  assert.match(String(run.displays[0]["text/plain"]), /Ordered by: change in self/);
  const row = await json('allocComparison.rows.find((r) => r.name === "rowsOf")');
  assert.equal(row.label, `rowsOf (<cell ${first}>:1 → <cell ${second}>:1)`);
  assert.ok(
    row.values.selfBytes[0] > 20 * 2 ** 20,
    `3000 rows of 1250 doubles are about 29 MiB: ${JSON.stringify(row.values)}`,
  );
  assert.ok(row.change.selfBytes.ratio > 1, JSON.stringify(row.change));
});

test("bad input is a TypeError saying what compare takes; the kernel keeps its names", async () => {
  const empty = await session.kernel.execute("tsprof.compare([])");
  assert.equal(empty.error?.ename, "TypeError");
  assert.match(
    empty.error!.evalue,
    /tsprof\.compare: nothing to compare\. It takes a non-empty array \[\{ label, profile \}, …\]/,
  );
  const mixed = await session.kernel.execute(
    'tsprof.compare([{ label: "a", profile: before }, { label: "b", profile: linesAfter }])',
  );
  assert.match(
    mixed.error!.evalue,
    /entry 1 is a %prun -r result and entry 2 a %lprun -r result; all entries must be of one kind/,
  );
  const notResult = await session.kernel.execute('tsprof.compare([{ label: "a", profile: { rows: [] } }])');
  assert.match(notResult.error!.evalue, /entry 1 is not \{ label, profile \} with a profile result/);
  assert.deepEqual(await json("prunComparison.labels"), ["before", "after"]);
});
