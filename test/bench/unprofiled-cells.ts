/**
 * What tsprof costs cells that are not profiled, against tslab: run as a child process
 * (`node unprofiled-cells.js tsprof|tslab`), so that each kernel has the process it has in real
 * use — tsprof's with its V8 settings (eager feedback vectors, the CPU profiler's code log) and
 * its magics loaded, tslab's with its own converter (no source maps) and V8's defaults. Prints
 * one JSON object: per case, the milliseconds of each run after two warm-up runs, wall-clock and
 * CPU (the process's user and system time, which other processes on a busy machine disturb far
 * less).
 */
import { createExecutor } from "tslab/dist/executor";
import { CALL_HEAVY, FORWARD_PASS } from "./workloads";

const RUNS = 9;

/** Statements timed inside the cell, so that only the code's own run is measured. */
const CASES: Record<string, string> = {
  forward_pass: "forward(x, w1, w2)",
  tiny_calls: "sumWithCalls(20_000_000)",
  map_reduce: "sumWithMap(xs)",
  // A package loaded afresh each run (out of Node's module cache first): its functions compiled
  // under each kernel's V8 settings. acorn is one file of a few thousand lines, as many packages are.
  package_import: `for (const file of Object.keys(require.cache)) if (file.includes("/node_modules/acorn/")) delete require.cache[file];
    require("acorn").parse("const a = [1, 2].map((x) => x * 2);", { ecmaVersion: 2022 })`,
};

type Run = (code: string) => Promise<void>;

async function tsprofRunner(): Promise<{ run: Run; close(): void }> {
  const { Executor } = await import("../../kernel/exec/executor");
  // The kernel loads its magics at start: the CPU profiler is created then, in its eager mode.
  (await import("../../magics")).createRegistry();
  const executor = new Executor(process.cwd(), {});
  let cell = 0;
  return {
    run: async (code) => void (await executor.run(code, { file: `<cell ${++cell}>`, line: 1 })),
    close: () => executor.close(),
  };
}

async function tslabRunner(): Promise<{ run: Run; close(): void }> {
  const converter = await import("tslab/dist/converter");
  const convs = {
    node: converter.createConverter({ isJS: false, isBrowser: false }),
    browser: null as any,
    close() {
      this.node.close();
    },
  };
  const executor = createExecutor(process.cwd(), convs as any, {
    log: () => {},
    error: (...a: unknown[]) => console.error(...a),
  });
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
  const record = (name: string, times: { wall: number; cpu: number }[]) => {
    out[name] = times.slice(2).map((t) => t.wall);
    out[`${name}_cpu`] = times.slice(2).map((t) => t.cpu);
  };
  for (const [name, statement] of Object.entries(CASES)) {
    const times: { wall: number; cpu: number }[] = [];
    for (let i = 0; i < RUNS; i++) {
      await kernel.run(
        `{ const c0 = process.cpuUsage(), t0 = performance.now(); ${statement}; const c = process.cpuUsage(c0); (globalThis as any).__bench = { wall: performance.now() - t0, cpu: (c.user + c.system) / 1e3 }; }`,
      );
      times.push((globalThis as any).__bench);
    }
    record(name, times);
  }
  // A cell that (re)defines functions, timed whole: compilation, the instrumentation pass and the run.
  const defining: { wall: number; cpu: number }[] = [];
  for (let i = 0; i < RUNS; i++) {
    const c0 = process.cpuUsage();
    const start = performance.now();
    await kernel.run(FORWARD_PASS);
    const c = process.cpuUsage(c0);
    defining.push({ wall: performance.now() - start, cpu: (c.user + c.system) / 1e3 });
  }
  record("defining_cell_with_compile", defining);
  kernel.close();
  process.stdout.write(JSON.stringify(out));
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
