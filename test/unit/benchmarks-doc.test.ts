/** docs/benchmarks.md as `npm run bench` writes it from its JSON: dated, the machine named, measurements only. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { benchmarksDoc, thisMachine, type BenchRun } from "../bench/benchmarks-doc";

/** A bench run's JSON in miniature: a warning, plain values, a list, a nested object, a string with a pipe. */
const run: BenchRun = {
  date: new Date("2026-12-02T05:40:20.123Z"),
  commit: "5ff7f92 + uncommitted changes",
  machine: {
    cpuModel: "Example CPU @ 2.20GHz",
    cores: 2,
    memoryBytes: 8 * 2 ** 30,
    node: "v20.19.2",
    os: "Linux 6.1.0 x64",
  },
  json: {
    WARNINGS: ["PYTHON ANCHOR MISSING: /x/python_forward_pass.py not found; no Python numbers in this run"],
    python_anchor: {
      missing: "PYTHON ANCHOR MISSING: /x/python_forward_pass.py not found; no Python numbers in this run",
    },
    prun: {
      workload: "forward pass | nested arrays",
      plain_ms: 7.5,
      prun_overhead_ratio: 1.12,
      three_to_one_measured_ratios: [2.99, 3.04],
    },
    forward_pass_steps: { ms: { naive: 7.5, simd: 0.23 }, max_abs_diff_vs_naive: { simd: 0 }, threads_profiled: null },
  },
};

const GOLDEN = `<!-- Written by \`npm run bench\` (test/bench/bench.ts) from bench-results.json. Do not edit: run the bench again. -->

# Benchmarks

Measured 2026-12-02 05:40 UTC at commit 5ff7f92 + uncommitted changes, in one \`npm run bench\`.

Machine: Example CPU @ 2.20GHz, 2 cores, 8.0 GiB memory, Node.js v20.19.2, Linux 6.1.0 x64.

How each figure is measured is in \`test/bench/\`; the README's benchmark summary says what the figures mean.

**Warning: PYTHON ANCHOR MISSING: /x/python_forward_pass.py not found; no Python numbers in this run**

## python_anchor

| measure | value |
|---|---|
| \`missing\` | PYTHON ANCHOR MISSING: /x/python_forward_pass.py not found; no Python numbers in this run |

## prun

| measure | value |
|---|---|
| \`workload\` | forward pass \\| nested arrays |
| \`plain_ms\` | 7.5 |
| \`prun_overhead_ratio\` | 1.12 |
| \`three_to_one_measured_ratios\` | 2.99, 3.04 |

## forward_pass_steps

| measure | value |
|---|---|
| \`ms.naive\` | 7.5 |
| \`ms.simd\` | 0.23 |
| \`max_abs_diff_vs_naive.simd\` | 0 |
| \`threads_profiled\` | null |
`;

test("a bench run's JSON becomes the page: date, commit, machine, warnings, then one table per section", () => {
  assert.equal(benchmarksDoc(run), GOLDEN);
});

test("without warnings or a commit the page says only what it knows", () => {
  const page = benchmarksDoc({ ...run, commit: null, json: { prun: { plain_ms: 7.5 } } });
  assert.match(page, /^Measured 2026-12-02 05:40 UTC, in one `npm run bench`\.$/m);
  assert.doesNotMatch(page, /Warning/);
});

test("the machine is named from the running system", () => {
  const machine = thisMachine();
  assert.ok(machine.cores >= 1 && machine.memoryBytes > 0);
  assert.equal(machine.node, process.version);
  assert.notEqual(machine.cpuModel, "");
});
