/**
 * The teaching notebooks run top to bottom under `jupyter nbconvert --execute` with no error, and
 * what they claim holds in what they computed: every optimized forward pass equals the naive one,
 * every step is faster than the naive version, every exercise's solution passes its check, and
 * the experiments of 03 find the time where they say it is.
 *
 * The notebooks run from notebooks/ (so their imports resolve as in a checkout) and are written to
 * a temporary directory: the committed copies are left as they are.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ROOT, runPython } from "./harness";

interface Cell {
  cell_type: string;
  source: string | string[];
  metadata: { jupyter?: { source_hidden?: boolean }; tags?: string[] };
  execution_count?: number | null;
  outputs?: {
    output_type: string;
    name?: string;
    text?: string | string[];
    ename?: string;
    evalue?: string;
    data?: Record<string, unknown>;
  }[];
}

const NOTEBOOKS = path.join(ROOT, "notebooks");
const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "tsprof-notebooks-"));
after(() => fs.rmSync(outDir, { recursive: true, force: true }));

const textOf = (value: string | string[] | undefined) => (Array.isArray(value) ? value.join("") : (value ?? ""));
const sourceOf = (cell: Cell) => textOf(cell.source);
const stdoutOf = (cell: Cell) =>
  (cell.outputs ?? [])
    .filter((o) => o.output_type === "stream" && o.name === "stdout")
    .map((o) => textOf(o.text))
    .join("");

/** Executes a notebook into outDir; returns its cells, after checking it ran whole and clean. */
async function execute(name: string): Promise<Cell[]> {
  const started = Date.now();
  const { code, log } = await runPython(
    [
      "-m",
      "nbconvert",
      "--to",
      "notebook",
      "--execute",
      "--ExecutePreprocessor.timeout=600",
      "--output-dir",
      outDir,
      name,
    ],
    NOTEBOOKS,
  );
  assert.equal(code, 0, `nbconvert ${name} failed:\n${log}`);
  console.log(`# ${name} executed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const cells: Cell[] = JSON.parse(fs.readFileSync(path.join(outDir, name), "utf8")).cells;
  const code_ = cells.filter((c) => c.cell_type === "code");
  assert.deepEqual(
    code_.map((c) => c.execution_count),
    code_.map((_, i) => i + 1),
    "every code cell ran, in order",
  );
  const errors = code_.flatMap((c) =>
    (c.outputs ?? []).filter((o) => o.output_type === "error").map((o) => `${o.ename}: ${o.evalue}`),
  );
  assert.deepEqual(errors, []);
  const stderr = code_.flatMap((c) => (c.outputs ?? []).filter((o) => o.name === "stderr").map((o) => textOf(o.text)));
  assert.deepEqual(stderr, [], "nothing on stderr (warnings from the kernel or its libraries)");
  return cells;
}

function cellStarting(cells: Cell[], prefix: string): Cell {
  const cell = cells.find((c) => c.cell_type === "code" && sourceOf(c).trimStart().startsWith(prefix));
  assert.ok(cell, `a code cell starting with ${JSON.stringify(prefix)}`);
  return cell;
}

test("01-forward-pass: every version equals the naive one, every step is faster, the profiles point at matmul's inner loop", async () => {
  const cells = await execute("01-forward-pass.ipynb");
  const summaryLine = stdoutOf(cellStarting(cells, "console.log(JSON.stringify({")).trim();
  const summary: { maxAbsDiff: Record<string, number>; speedup: Record<string, number> } = JSON.parse(summaryLine);
  assert.deepEqual(Object.keys(summary.maxAbsDiff), ["hoisted", "vectorized", "preallocated", "simd", "parallel"]);
  for (const [version, difference] of Object.entries(summary.maxAbsDiff))
    assert.ok(difference <= 1e-12, `${version} differs from naive by ${difference}`);
  const [baseline, ...steps] = Object.entries(summary.speedup);
  assert.equal(baseline[1], 1);
  assert.equal(steps.length, 5);
  for (const [label, speedup] of steps) assert.ok(speedup > 1, `${label}: speedup ${speedup} over naive`);

  const hottest = stdoutOf(cellStarting(cells, "const [profiled] = lines.functions;"));
  assert.match(hottest, /^hottest line: res\[i\]\[j\] \+= a\[i\]\[k\] \* b\[k\]\[j\];$/m);
  assert.match(hottest, /^ {2}18944000 hits /m, "the inner line runs 10 × (100·64·256 + 100·256·10) times");
  // The first line tables a reader sees carry no warning: enough readings for their line times.
  for (const start of ["const lines = %lprun", "const linesHoisted = %lprun"]) {
    const outputs = cellStarting(cells, start).outputs ?? [];
    const text = outputs.map((o) => textOf(o.text) + textOf(o.data?.["text/plain"] as string)).join("\n");
    assert.match(text, /Total time: /);
    assert.doesNotMatch(text, /too few to mean much/, text);
  }
  const prun = textOf(cellStarting(cells, "%prun").outputs![0].data!["text/plain"] as string);
  assert.match(prun, /^\s+40\s.*\(matmul\)$/m, "%prun counts matmul's 40 calls exactly");

  // Step 1's line profiles compared: the naive inner line gone, the hoisted one new, as many hits as the naive k loop.
  const step1 = stdoutOf(cellStarting(cells, "/** A version's total time on the lines"));
  assert.match(step1, /^gone: res\[i\]\[j\] \+= a\[i\]\[k\] \* b\[k\]\[j\]; {2}18944000 hits, /m, step1);
  assert.match(step1, /^gone: for \(let k = 0; k < p; k\+\+\) \{ {2}19210000 hits, /m);
  assert.match(step1, /^new: {2}for \(let k = 0; k < p; k\+\+\) sum \+= ai\[k\] \* b\[k\]\[j\]; {2}19210000 hits, /m);
  // Ten profiled passes each: which is faster is %timeit's to say (below), not this line's.
  assert.match(step1, /^matmul's lines: [\d.]+ ms naive, [\d.]+ ms hoisted \(ratio [\d.]+\)$/m);

  const allocated = (start: string) => textOf(cellStarting(cells, start).outputs![0].data!["text/plain"] as string);
  const naive = allocated("const allocNaive = %alloc");
  assert.match(
    naive.split("\n").find((l) => /^ +\d+ /.test(l)) ?? "",
    /\(matmul\)$/,
    `%alloc puts matmul's row arrays first:\n${naive}`,
  );
  const perPass = /matmul allocated [\d.]+ MiB in 100 passes, ([\d.]+)× the/.exec(
    stdoutOf(cellStarting(cells, "const matmulRow")),
  );
  assert.ok(perPass && Math.abs(Number(perPass[1]) - 1) <= 0.15, "matmul's bytes are its rows' doubles");
  const prealloc = /^preallocated: ([\d.]+) KiB sampled/m.exec(stdoutOf(cellStarting(cells, "const matmulRow")));
  assert.ok(prealloc && Number(prealloc[1]) < 100, "the preallocated pass allocates next to nothing");

  // Step 5's %prun: a section per thread, the SIMD kernel named on both.
  const threads = textOf(
    cellStarting(cells, "/** Step 5's forward pass for 512").outputs![0].data!["text/plain"] as string,
  );
  for (const heading of [/^Thread: main — /m, /^Thread: worker \d+ \(band 1\) — /m]) assert.match(threads, heading);
  assert.equal(threads.match(/\(block4x4\)$/gm)?.length, 2, threads);
});

test("02-exercises: unanswered checks say so, every solution passes its check, solutions' code is hidden", async () => {
  const cells = await execute("02-exercises.ipynb");
  const out = cells.map(stdoutOf).join("");
  assert.equal(out.match(/not answered yet/g)?.length, 3);
  for (const exercise of ["exercise 1 (the bottleneck)", "exercise 2 (the hot line)", "exercise 3 (preallocate)"]) {
    assert.ok(out.includes(`✓ ${exercise}`), `the solution of ${exercise} passes its check`);
  }
  const solutions = cells.slice(
    cells.findIndex((c) => c.cell_type === "markdown" && sourceOf(c).includes("## Solutions")),
  );
  const solutionCode = solutions.filter((c) => c.cell_type === "code");
  assert.equal(solutionCode.length, 3);
  for (const cell of solutionCode) assert.equal(cell.metadata.jupyter?.source_hidden, true);
});

test("03-why-lines-dont-add-up: the missing time is where the notebook says", async () => {
  const cells = await execute("03-why-lines-dont-add-up.ipynb");
  const gc = stdoutOf(cellStarting(cells, "const p2 = %prun"));
  const [, gcMs] = /the garbage collector: ([\d.]+) ms/.exec(gc) ?? [];
  assert.ok(Number(gcMs) > 0, `the collector's time shows: ${gc}`);
  const wait = stdoutOf(cellStarting(cells, "const p4 = %prun"));
  const [, cum, total] = /fetchAll: cumtime ([\d.]+) ms of a ([\d.]+) ms statement/.exec(wait) ?? [];
  // Node's timers count whole milliseconds of loop time, so one can fire up to 1 ms early.
  assert.ok(Number(total) >= 45, `five awaits of 10 ms take about 50 ms: ${wait}`);
  assert.ok(Number(cum) < Number(total) / 2, `an awaiting function has few samples: ${wait}`);
  const time = textOf(
    cellStarting(cells, "%time await fetchAll(5)")
      .outputs!.map((o) => textOf(o.data?.["text/plain"] as string))
      .join("\n"),
  );
  assert.match(time, /^CPU times: user .*\nWall time: /m);
});

test("04-transformer-block: the optimized block and loader equal the original, both fixes are faster, %lprun counts the method, the closure and the generator", async () => {
  const cells = await execute("04-transformer-block.ipynb");
  const summaryLine = stdoutOf(cellStarting(cells, "console.log(JSON.stringify({")).trim();
  const summary: {
    qkv_share_before: number;
    attention_speedup: number;
    pipeline_speedup: number;
    max_abs_diff: number;
  } = JSON.parse(summaryLine);
  assert.ok(
    summary.max_abs_diff <= 1e-12,
    `the optimized versions differ from the original by ${summary.max_abs_diff}`,
  );
  assert.ok(summary.attention_speedup > 1, `the fused Q/K/V step: speedup ${summary.attention_speedup}`);
  assert.ok(summary.pipeline_speedup > 1, `the epoch with cached statistics: speedup ${summary.pipeline_speedup}`);
  assert.ok(
    summary.qkv_share_before > 0 && summary.qkv_share_before < 1,
    `the Q/K/V lines' share of forward: ${summary.qkv_share_before}`,
  );

  const plainText = (cell: Cell) =>
    (cell.outputs ?? []).map((o) => textOf(o.data?.["text/plain"] as string)).join("\n");
  const prun = plainText(cellStarting(cells, "const prunBefore = %prun"));
  assert.match(prun, /^\s+64\s.*\(channelStats\)$/m, `%prun counts one channelStats call per image:\n${prun}`);
  // 4 batches of 8 sequences; the method reads #private fields.
  const forward = plainText(cellStarting(cells, "const sequences: number[][][] = [];"));
  assert.match(forward, /^Function: Attention\.forward at line \d+$/m);
  for (const field of ["wq", "wk", "wv"])
    assert.match(
      forward,
      new RegExp(`^\\s+\\d+\\s+32\\s.*const \\w = matmul\\(x, this\\.#${field}\\);$`, "m"),
      forward,
    );
  const closure = plainText(cellStarting(cells, "const [firstBatch] = loader(images, BATCH);"));
  assert.match(
    closure,
    /^\s+\d+\s+8\s.*const y = matmul\(x, w\);$/m,
    `the embedding closure, once per image of a batch:\n${closure}`,
  );
  const generator = plainText(cellStarting(cells, "%lprun -f loader"));
  assert.match(generator, /^\s+\d+\s+64\s.*const stats = channelStats\(images\);$/m, generator);
  assert.match(generator, /^\s+\d+\s+8\s.*yield batch;$/m, "the generator resumed once per batch");
});
