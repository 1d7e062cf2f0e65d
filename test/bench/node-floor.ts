/**
 * Node's own ratio for a top-level statement on script-scope names against the same code in a
 * function: plain `vm` scripts in a fresh `node` with the kernel's V8 flags, no kernel. This Node's
 * V8 sets that floor; the loop rows put tsprof beside it. The same statements in a newer Node
 * (installed into the bench's folder) show what a newer V8 gives them.
 */
import { spawnSync } from "node:child_process";
import { typescript as ts } from "../../kernel/compiler-thread/tslab-compiler";
import { KERNEL_V8_FLAGS } from "../../kernel/instrument/instrument";
import { pairedRatio, msSpread } from "./stats";
import { installedBinary } from "./bench-installs";

/** The newest Node.js line whose `node` npm package ships a binary (V8 13.6). */
export const NEWER_NODE_VERSION = "24.21.0";

/** A Node.js of the newer line, from npm's `node` package (about 190 MB unpacked). */
export const newerNode = () =>
  installedBinary({
    folder: "node",
    name: "node",
    version: NEWER_NODE_VERSION,
    bin: "node",
    versionArgs: ["--version"],
    reported: /^v(\S+)/,
  });

/** Runs in the fresh node: the names' script, then each statement as a script of its own, interleaved. */
const FLOOR_SCRIPT = `
const vm = require("node:vm");
const { names, topLevel, inFunction, rounds } = JSON.parse(process.env.TSPROF_FLOOR);
vm.runInThisContext(names);
// Timed inside the script, as the kernels' cells are timed (kernels.bench.ts, timedCell).
const time = (code) => {
  const timed = "{ const benchStart = performance.now(); " + code + "; globalThis.__benchWall = performance.now() - benchStart; }";
  new vm.Script(timed).runInThisContext();
  return globalThis.__benchWall;
};
const ms = { topLevel: [], inFunction: [] };
for (let r = 0; r < rounds; r++) {
  ms.topLevel.push(time(topLevel));
  ms.inFunction.push(time(inFunction));
}
process.stdout.write(JSON.stringify(ms));
`;

/** `names` is TypeScript (a notebook's cell); the statements are JavaScript as written; `node` runs them. */
export function nodeFloor(
  names: string,
  loop: { topLevel: string; inFunction: string },
  rounds: number,
  node = process.execPath,
) {
  const js = ts.transpileModule(names, { compilerOptions: { target: ts.ScriptTarget.ES2022 } }).outputText;
  const run = spawnSync(node, [...KERNEL_V8_FLAGS, "-e", FLOOR_SCRIPT], {
    encoding: "utf8",
    env: { ...process.env, TSPROF_FLOOR: JSON.stringify({ names: js, ...loop, rounds }) },
  });
  if (run.status !== 0)
    throw new Error(`the plain-node floor run (${node}) failed (exit ${run.status}):\n${run.stderr}`);
  const ms = JSON.parse(run.stdout) as { topLevel: number[]; inFunction: number[] };
  return {
    top_level_ms: msSpread(ms.topLevel),
    in_function_ms: msSpread(ms.inFunction),
    top_level_vs_function: pairedRatio(ms.topLevel, ms.inFunction),
  };
}
