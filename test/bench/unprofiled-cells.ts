/**
 * What tsprof costs cells that are not profiled, against tslab: run as a child process
 * (`node unprofiled-cells.js tsprof|tslab`), so that each kernel has the process it has in real
 * use — tsprof's with its V8 settings (eager feedback vectors, the CPU profiler's code log) and
 * its magics loaded, tslab's with V8's defaults. Prints one JSON object: per case, the
 * milliseconds of each run after two warm-up runs.
 */
import { createExecutor } from "tslab/dist/executor";
import { CALL_HEAVY, FORWARD_PASS } from "./workloads";

const RUNS = 9;

/** Statements timed inside the cell, so that only the code's own run is measured. */
const CASES: Record<string, string> = {
  forward_pass: "forward(x, w1, w2)",
  tiny_calls: "sumWithCalls(20_000_000)",
  map_reduce: "sumWithMap(xs)",
};


type Run = (code: string) => Promise<void>;

async function tsprofRunner(): Promise<{ run: Run; close(): void }> {
  const { Executor } = await import("../../kernel/executor");
  // The kernel loads its magics at start: the CPU profiler is created then, in its eager mode.
  (await import("../../magics")).createRegistry();
  const executor = new Executor(process.cwd(), {});
  let cell = 0;
  return { run: async (code) => void (await executor.run(code, { file: `<cell ${++cell}>`, line: 1 })), close: () => executor.close() };
}

async function tslabRunner(): Promise<{ run: Run; close(): void }> {
  const { converter } = await import("../../kernel/tslab-bridge");
  const convs = { node: converter.createConverter({ isJS: false, isBrowser: false }), browser: null as any, close() { this.node.close(); } };
  const executor = createExecutor(process.cwd(), convs as any, { log: () => {}, error: (...a: unknown[]) => console.error(...a) });
  return {
    run: async (code) => {
      if (!(await executor.execute(code))) throw new Error(`tslab failed to run:\n${code}`);
    },
    close: () => executor.close(),
  };
}

async function main(): Promise<void> {
  const kind = process.argv[2];
  const kernel = kind === "tsprof" ? await tsprofRunner() : await tslabRunner();
  await kernel.run(FORWARD_PASS + CALL_HEAVY);
  const out: Record<string, number[]> = {};
  for (const [name, statement] of Object.entries(CASES)) {
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      await kernel.run(`{ const t0 = performance.now(); ${statement}; (globalThis as any).__benchMs = performance.now() - t0; }`);
      times.push((globalThis as any).__benchMs);
    }
    out[name] = times.slice(2);
  }
  // A cell that (re)defines functions, timed whole: compilation, the instrumentation pass and the run.
  const defining: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    await kernel.run(FORWARD_PASS);
    defining.push(performance.now() - start);
  }
  out.defining_cell_with_compile = defining.slice(2);
  kernel.close();
  process.stdout.write(JSON.stringify(out));
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
