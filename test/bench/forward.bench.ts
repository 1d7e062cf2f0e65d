/**
 * The walkthrough's optimization steps, timed in one run: the forward pass on the article's sizes
 * (x 100×64, w1 64×256, w2 256×10) and one 512×512×512 product, each step against the naive
 * nested-array version, after checking that every step gives the naive result. The last step runs
 * on all the machine's cores: its gain depends on how busy they are, so the machine's core count
 * and load average are reported beside the ratios.
 *
 * The code is the notebook's own: the cells of notebooks/01-forward-pass.ipynb tagged
 * `forward-pass-code` run in the kernel's executor (as in the notebook, with its instrumented
 * counters), so the numbers are those of the code the walkthrough teaches. Runs of the variants
 * are interleaved, round after round, so that a slow spell of this shared machine hits all of
 * them alike; each variant's time is its median over the rounds.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Executor } from "../../kernel/exec/executor";
import { timeit, type Statement } from "../../magics/measure/samplers/timing";
import { median, round } from "./stats";

const NOTEBOOK = path.resolve(__dirname, "..", "..", "..", "notebooks", "01-forward-pass.ipynb");
const CODE_TAG = "forward-pass-code";
const ROUNDS = 7;
/** The last step, which the targets are about: SIMD on all the cores. */
const FINAL = "5_both_cores";

interface Variant {
  label: string;
  /** The statement timed; its value is the product, compared with the naive one's. */
  statement: string;
}

/** The steps at the article's sizes, naive first, with the data the notebook makes. */
const ARTICLE_SIZES: Variant[] = [
  { label: "naive", statement: "forward(x, w1, w2)" },
  { label: "1_remove_repeated_work", statement: "forwardHoisted(x, w1, w2)" },
  { label: "2_vectorize", statement: "forwardFlat(xf, w1f, w2f)" },
  { label: "3_preallocate", statement: "forwardPrealloc(xf, w1f, w2f)" },
  { label: "4_simd_wasm", statement: "forwardSimd(xw, w1w, w2w)" },
  { label: FINAL, statement: "forwardParallel(xw, w1w, w2w)" },
];

/** One 512×512 by 512×512 product per step, on matrices made with the notebook's functions. */
const SETUP_512 = `
const a512 = randomMatrix(512, 512, 4), b512 = randomMatrix(512, 512, 5);
const a512f = toMatrix(a512), b512f = toMatrix(b512), out512 = zeros(512, 512);
const a512w = toWasm(a512f), b512w = toWasm(b512f), out512w = wasmZeros(512, 512), out512p = wasmZeros(512, 512);
`;
const SIZE_512: Variant[] = [
  { label: "naive", statement: "matmul(a512, b512)" },
  { label: "1_remove_repeated_work", statement: "matmulHoisted(a512, b512)" },
  { label: "2_vectorize", statement: "matmulFlat(a512f, b512f)" },
  { label: "3_preallocate", statement: "matmulInto(out512, a512f, b512f)" },
  { label: "4_simd_wasm", statement: "matmulSimd(out512w, a512w, b512w)" },
  // Its own output: in step 4's, rows a worker failed to write would still hold step 4's right answer.
  { label: FINAL, statement: "matmulParallel(out512p, a512w, b512w)" },
];

/** The tagged code cells' sources, in notebook order. */
export function walkthroughCode(notebook = NOTEBOOK): string[] {
  const cells: { cell_type: string; source: string | string[]; metadata?: { tags?: string[] } }[] = JSON.parse(
    fs.readFileSync(notebook, "utf8"),
  ).cells;
  const code = cells.filter((c) => c.cell_type === "code" && c.metadata?.tags?.includes(CODE_TAG));
  if (code.length === 0) throw new Error(`${notebook} has no code cells tagged ${CODE_TAG}`);
  return code.map((c) => (Array.isArray(c.source) ? c.source.join("") : c.source));
}

export async function benchForward() {
  const executor = new Executor(path.dirname(NOTEBOOK), {});
  try {
    for (const [i, code] of walkthroughCode().entries()) await executor.run(code, { file: `<cell ${i + 1}>`, line: 1 });
    await executor.run(SETUP_512, { file: "<setup 512>", line: 1 });
    const evaluate = async (code: string) => (await executor.run(code, { file: "<bench>", line: 1 })).value;
    const article = await compareSteps(evaluate, ARTICLE_SIZES, "forward pass, x 100x64, w1 64x256, w2 256x10");
    const size512 = await compareSteps(evaluate, SIZE_512, "one product, 512x512 by 512x512");
    const final = (steps: typeof article) => steps.speedup_vs_naive[FINAL];
    return {
      cores: os.availableParallelism(),
      load_average_1min: round(os.loadavg()[0], 2),
      article_sizes: article,
      size_512: size512,
      target_final_20x_at_article_sizes: final(article) >= 20 ? "met" : `missed (${final(article)}x)`,
      target_final_50x_at_512: final(size512) >= 50 ? "met" : `missed (${final(size512)}x)`,
    };
  } finally {
    // Ends the last step's worker threads, as the notebook's last cell does (if the cells failed
    // before defining stopWorkers, their error is the one to report).
    await executor.run("await stopWorkers()", { file: "<teardown>", line: 1 }).catch(() => {});
    executor.close();
  }
}

async function compareSteps(evaluate: (code: string) => Promise<unknown>, variants: Variant[], workload: string) {
  // The notebook's own check, on each step's product against the naive one.
  const differences: Record<string, number> = {};
  for (const v of variants.slice(1))
    differences[v.label] = (await evaluate(`maxAbsDiff(${v.statement}, ${variants[0].statement})`)) as number;
  const statements: Statement[] = [];
  for (const v of variants) statements.push((await evaluate(`() => ${v.statement}`)) as Statement);
  const seconds = await interleavedMedians(variants, statements);
  const naive = seconds[0];
  return {
    workload,
    ms: Object.fromEntries(variants.map((v, i) => [v.label, round(seconds[i] * 1e3, 3)])),
    speedup_vs_naive: Object.fromEntries(variants.map((v, i) => [v.label, round(naive / seconds[i], 2)])),
    speedup_vs_previous_step: Object.fromEntries(
      variants.slice(1).map((v, i) => [v.label, round(seconds[i] / seconds[i + 1], 2)]),
    ),
    max_abs_diff_vs_naive: differences,
  };
}

/** Seconds per call of each statement: loops calibrated as %timeit does, then runs interleaved over ROUNDS rounds. */
async function interleavedMedians(variants: Variant[], statements: Statement[]): Promise<number[]> {
  const loops = [];
  for (const [i, run] of statements.entries())
    loops.push((await timeit(run, { statement: variants[i].statement, repeat: 1 })).loops);
  const perCall: number[][] = statements.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    for (const [i, run] of statements.entries()) {
      perCall[i].push((await timeit(run, { statement: variants[i].statement, loops: loops[i], repeat: 1 })).mean);
    }
  }
  return perCall.map(median);
}
