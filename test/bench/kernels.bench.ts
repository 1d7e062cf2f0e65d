/**
 * tsprof's kernel beside Deno's kernel (the TypeScript notebook users would pick instead) and
 * tslab's, all three driven through one real Jupyter server in the same run: top-level code on
 * notebook names against the same code in a function, %timeit of such a statement, the latency
 * of a plain and of a defining cell, and the unprofiled forward pass. Loops are timed inside the
 * cell (performance.now() around the statement), so compiling the cell is not in them; latencies
 * are the client's, from execute_request to the reply. Runs of the kernels are interleaved,
 * round after round, so that a slow spell of this shared machine hits them alike; each ratio is
 * the ratio of medians, with the range of the ratios of runs made side by side.
 */
import { startJupyter, startKernel, plain, type KernelHandle } from "../e2e/harness";
import { againstTarget } from "./python-anchor";
import { DENO_KERNEL, DENO_VERSION, TSLAB_KERNEL, benchKernelspecs, numberIn } from "./other-kernels";
import { compilePhases } from "./compile-phases";
import { pause } from "./prun.bench";
import { median, msSpread, pairedRatio, round } from "./stats";
import { NEWER_NODE_VERSION, newerNode, nodeFloor } from "./node-floor";
import { DEFINING_CELL, FORWARD_PASS } from "./workloads";

const ROUNDS = 7;

/** Notebook names, and the same loops in functions (on locals, as a user would write them). */
const NOTEBOOK_NAMES = `
let z = 0;
function loopInFunction(): number { let z = 0; for (let i = 0; i < 1e7; i++) z += i; return z; }
const data = Array.from({ length: 200_000 }, (_, i) => i % 1000);
let total = 0;
function sumOf(xs: number[]): number { let t = 0; for (const v of xs) t += v; return t; }
function one(): number { return 1; }
`;

/** Top-level statements that write a notebook name, each against the same loop in a function. */
const LOOPS = {
  top_level_loop: { topLevel: "for (let i = 0; i < 1e7; i++) z += i", inFunction: "loopInFunction()" },
  for_of_200k_numbers_20_times: {
    topLevel: "for (let pass = 0; pass < 20; pass++) for (const v of data) total += v",
    inFunction: "for (let pass = 0; pass < 20; pass++) sumOf(data)",
  },
};

/** The target ratios (issue 22). */
const TARGETS = { topLevelVsFunction: 10, vsDeno: 4, timeitVsFunction: 10, plainCellMs: 14, forwardVsTslab: 1.05 };

export async function benchKernels() {
  const jupyter = await startJupyter({ jupyterPaths: [benchKernelspecs()] });
  const missed: string[] = [];
  const started: KernelHandle[] = [];
  const start = async (name?: string) => {
    const kernel = await startKernel(jupyter, name);
    started.push(kernel);
    return kernel;
  };
  try {
    const tsprof = await start();
    const deno = await start(DENO_KERNEL);
    for (const kernel of [tsprof, deno]) await ok(kernel, NOTEBOOK_NAMES);
    const loops: Record<string, unknown> = {};
    for (const [name, loop] of Object.entries(LOOPS)) loops[name] = await loopRow(missed, name, tsprof, deno, loop);
    const timeit = await timeitRow(missed, tsprof);
    const latency = await latencyRows(missed, tsprof, deno);
    const tslab = await start(TSLAB_KERNEL);
    const forward = await forwardRow(missed, tsprof, tslab, deno);
    return {
      kernels: `tsprof; Deno ${DENO_VERSION} (deno jupyter); tslab, through one Jupyter server; ${ROUNDS} rounds, interleaved`,
      ...loops,
      timeit_writing_a_notebook_name: timeit,
      ...latency,
      compile_phases_in_process: await compilePhases(),
      forward_pass_unprofiled: forward,
      missed_targets: missed,
    };
  } finally {
    // A connection left open keeps reconnecting to the stopped server, and the bench never exits.
    for (const kernel of started) kernel.connection.dispose();
    await jupyter.stop();
  }
}

async function ok(kernel: KernelHandle, code: string) {
  const run = await kernel.execute(code);
  if (run.status !== "ok") throw new Error(`${kernel.info.implementation} failed to run:\n${code}\n${plain(run.text)}`);
  return run;
}

/**
 * A number the kernel holds in `globalThis[name]`, read by a cell of its own: Deno's kernel now
 * and then sends a cell's execute_result after its reply (the client has stopped listening), so a
 * reading that comes back empty is asked again, which changes nothing in the kernel.
 */
async function readNumber(kernel: KernelHandle, name: string): Promise<number> {
  let outputs: unknown[] = [];
  for (let attempt = 0; attempt < 5; attempt++) {
    const run = await ok(kernel, `(globalThis as any).${name}`);
    // tslab prints a cell's value on stdout.
    const text = run.result?.["text/plain"] ?? (run.stdout || undefined);
    if (typeof text === "string") return numberIn(text);
    outputs = run.outputs;
  }
  throw new Error(
    `${kernel.info.implementation} gave no value for ${name}; the last outputs: ${JSON.stringify(outputs)}`,
  );
}

/** Wall-clock and CPU milliseconds of runs (the CPU time is the kernel process's: a busy machine disturbs it far less). */
interface Timings {
  wall: number[];
  cpu: number[];
}

const timings = (): Timings => ({ wall: [], cpu: [] });

/** `statement` in a cell of its own, between two readings of the clock and of the process's CPU time. */
const timedCell = (statement: string) => `const benchStart = performance.now(), benchCpu = process.cpuUsage();
${statement};
(globalThis as any).__benchWall = performance.now() - benchStart;
(globalThis as any).__benchCpu = ((c) => (c.user + c.system) / 1e3)(process.cpuUsage(benchCpu));`;

/** Runs `statement` (which makes `calls` calls) in `kernel` and adds its milliseconds per call to `into`. */
async function time(kernel: KernelHandle, statement: string, into: Timings, calls = 1): Promise<void> {
  await ok(kernel, timedCell(statement));
  into.wall.push((await readNumber(kernel, "__benchWall")) / calls);
  into.cpu.push((await readNumber(kernel, "__benchCpu")) / calls);
}

const summary = (t: Timings) => ({ ...msSpread(t.wall), cpu_median: round(median(t.cpu), 2) });
/** a against b: the wall-clock ratio (target's) with its paired range, and the ratio of CPU medians. */
const versus = (a: Timings, b: Timings) => ({
  ...pairedRatio(a.wall, b.wall),
  cpu_ratio: round(median(a.cpu) / median(b.cpu), 2),
});

async function loopRow(
  missed: string[],
  name: string,
  tsprof: KernelHandle,
  deno: KernelHandle,
  loop: { topLevel: string; inFunction: string },
) {
  const ms = { tsprof: timings(), tsprofInFunction: timings(), deno: timings(), denoInFunction: timings() };
  for (let r = 0; r < ROUNDS; r++) {
    await time(tsprof, loop.topLevel, ms.tsprof);
    await time(tsprof, loop.inFunction, ms.tsprofInFunction);
    await time(deno, loop.topLevel, ms.deno);
    await time(deno, loop.inFunction, ms.denoInFunction);
  }
  const vsFunction = versus(ms.tsprof, ms.tsprofInFunction);
  const vsDeno = versus(ms.tsprof, ms.deno);
  const plainNode = nodeFloor(NOTEBOOK_NAMES, loop, ROUNDS);
  const newerPlainNode = nodeFloor(NOTEBOOK_NAMES, loop, ROUNDS, newerNode());
  return {
    statement: loop.topLevel,
    in_function: loop.inFunction,
    tsprof_ms: summary(ms.tsprof),
    tsprof_in_function_ms: summary(ms.tsprofInFunction),
    deno_ms: summary(ms.deno),
    deno_in_function_ms: summary(ms.denoInFunction),
    tsprof_vs_function: {
      ...vsFunction,
      target: againstTarget(
        missed,
        `${name}: tsprof, top level against in a function`,
        vsFunction.ratio,
        TARGETS.topLevelVsFunction,
      ),
    },
    deno_vs_function: versus(ms.deno, ms.denoInFunction),
    // What this Node's V8, with the kernel's flags, gives the same two statements with no kernel around them.
    plain_node: {
      ...plainNode,
      top_level_vs_deno: round(plainNode.top_level_ms.median / median(ms.deno.wall), 2),
      tsprof_vs_plain_node: round(median(ms.tsprof.wall) / plainNode.top_level_ms.median, 2),
    },
    // The same, in a newer Node: what its V8 gives the binding that this Node's stores as a new heap object.
    [`plain_node_${NEWER_NODE_VERSION.split(".")[0]}`]: {
      node: NEWER_NODE_VERSION,
      ...newerPlainNode,
      top_level_vs_deno: round(newerPlainNode.top_level_ms.median / median(ms.deno.wall), 2),
    },
    tsprof_vs_deno: {
      ...vsDeno,
      target: againstTarget(missed, `${name}: tsprof against Deno's kernel`, vsDeno.ratio, TARGETS.vsDeno),
    },
  };
}

/** %timeit's mean per loop of a statement that writes a notebook name, against the same loop in a function. */
async function timeitRow(missed: string[], tsprof: KernelHandle) {
  const perLoop = async (statement: string) => {
    await ok(
      tsprof,
      `let timed = %timeit -o -q -r 5 ${statement}\n(globalThis as any).__benchWall = timed.mean * 1e3;`,
    );
    return readNumber(tsprof, "__benchWall");
  };
  const topLevel: number[] = [];
  const inFunction: number[] = [];
  for (let r = 0; r < 3; r++) {
    topLevel.push(await perLoop("for (const v of data) total += v"));
    inFunction.push(await perLoop("sumOf(data)"));
  }
  const ratio = pairedRatio(topLevel, inFunction);
  return {
    statements: "%timeit for (const v of data) total += v  against  %timeit sumOf(data)",
    top_level_ms_per_loop: msSpread(topLevel),
    in_function_ms_per_loop: msSpread(inFunction),
    tsprof_vs_function: {
      ...ratio,
      target: againstTarget(
        missed,
        "%timeit of a statement writing a notebook name against the same loop in a function",
        ratio.ratio,
        TARGETS.timeitVsFunction,
      ),
    },
  };
}

/** Milliseconds from execute_request to the reply, of a cell sent after a pause, as a person sends one. */
async function latency(kernel: KernelHandle, code: string): Promise<number> {
  await pause();
  const start = performance.now();
  await ok(kernel, code);
  return performance.now() - start;
}

async function latencyRows(missed: string[], tsprof: KernelHandle, deno: KernelHandle) {
  const series = () => ({ tsprof: [] as number[], deno: [] as number[] });
  const ms = { afterDefining: series(), afterPlain: series(), defining: series() };
  // Two rounds of warm-up: a kernel's first run of a cell compiles its own code paths too.
  for (let r = -2; r < ROUNDS; r++) {
    for (const [name, kernel] of [
      ["tsprof", tsprof],
      ["deno", deno],
    ] as const) {
      const afterDefining = await latency(kernel, "one()");
      const afterPlain = await latency(kernel, "one()");
      const definingCell = await latency(kernel, DEFINING_CELL);
      if (r < 0) continue;
      ms.afterDefining[name].push(afterDefining);
      ms.afterPlain[name].push(afterPlain);
      ms.defining[name].push(definingCell);
    }
  }
  // Both plain cells are held to the target: right after a defining cell, tsprof compiles a new
  // program; after a plain one, it checks the cell with the program it has (plain-cells.ts).
  const plainRow = (what: string, times: { tsprof: number[]; deno: number[] }) => {
    const tsprofMs = msSpread(times.tsprof);
    const label = `a plain cell's latency through Jupyter, sent after a pause, ${what}`;
    return {
      cell: "one()",
      tsprof_ms: { ...tsprofMs, target: againstTarget(missed, label, tsprofMs.median, TARGETS.plainCellMs, " ms") },
      deno_ms: msSpread(times.deno),
      tsprof_vs_deno: pairedRatio(times.tsprof, times.deno),
    };
  };
  return {
    latency_plain_cell_after_a_plain_cell: plainRow("after a plain cell", ms.afterPlain),
    latency_plain_cell: plainRow("right after a defining cell", ms.afterDefining),
    latency_defining_cell: {
      cell: "25 typed lines: an interface, a union type, two functions, a class, two values (workloads.ts DEFINING_CELL)",
      tsprof_ms: msSpread(ms.defining.tsprof),
      deno_ms: msSpread(ms.defining.deno),
      tsprof_vs_deno: pairedRatio(ms.defining.tsprof, ms.defining.deno),
      note: "Deno's kernel does not type-check cells; tsprof's does (compile_phases_in_process says what that costs)",
    },
  };
}

/** The article's forward pass, unprofiled, in each kernel: milliseconds per call, timed inside the cell over 5 calls. */
async function forwardRow(missed: string[], tsprof: KernelHandle, tslab: KernelHandle, deno: KernelHandle) {
  const kernels = { tsprof, tslab, deno };
  const ms = { tsprof: timings(), tslab: timings(), deno: timings() };
  const fivePasses = "for (let call = 0; call < 5; call++) forward(x, w1, w2)";
  for (const kernel of Object.values(kernels)) {
    await ok(kernel, FORWARD_PASS);
    for (let warmUp = 0; warmUp < 2; warmUp++) await time(kernel, fivePasses, timings());
  }
  for (let r = 0; r < ROUNDS; r++)
    for (const [name, kernel] of Object.entries(kernels))
      await time(kernel, fivePasses, ms[name as keyof typeof kernels], 5);
  const vsTslab = versus(ms.tsprof, ms.tslab);
  return {
    workload: "forward(x, w1, w2): x 100x64, w1 64x256, w2 256x10, nested arrays",
    tsprof_ms: summary(ms.tsprof),
    tslab_ms: summary(ms.tslab),
    deno_ms: summary(ms.deno),
    tsprof_vs_tslab: {
      ...vsTslab,
      target: againstTarget(
        missed,
        "the unprofiled forward pass, tsprof against tslab",
        vsTslab.ratio,
        TARGETS.forwardVsTslab,
      ),
    },
    tsprof_vs_deno: versus(ms.tsprof, ms.deno),
  };
}
