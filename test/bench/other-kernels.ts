/**
 * The kernels tsprof is measured against, registered in a Jupyter data dir of the bench's own
 * (`.bench/jupyter`, git-ignored), so that nothing is written to the user's Jupyter paths:
 * - Deno's (`deno jupyter`), the TypeScript notebook users would pick instead. The `deno` npm
 *   package ships its binary (about 100 MB), installed on demand into `.bench/deno`
 *   (bench-installs.ts). `deno jupyter --install` would write to the user's kernels
 *   whatever JUPYTER_DATA_DIR says, so its kernel.json is written here.
 * - tslab's, which tsprof is built on, from tsprof's own dependency.
 */
import fs from "node:fs";
import path from "node:path";
import { plain } from "../e2e/harness";
import { BENCH_DIR, installedBinary, type BenchBinary } from "./bench-installs";

export const DENO_VERSION = "2.9.6";
export const DENO_KERNEL = "deno-bench";
export const TSLAB_KERNEL = "tslab-bench";

const DENO_DIR = path.join(BENCH_DIR, "deno");
const DENO: BenchBinary = {
  folder: "deno",
  name: "deno",
  version: DENO_VERSION,
  bin: "deno",
  versionArgs: ["--version"],
  reported: /^deno (\S+)/,
};

/** The bench's Jupyter data dir, with Deno's and tslab's kernelspecs in it (Deno installed first if need be). */
export function benchKernelspecs(): string {
  const jupyterPath = path.join(BENCH_DIR, "jupyter");
  writeKernelspec(jupyterPath, DENO_KERNEL, {
    argv: [installedBinary(DENO), "jupyter", "--kernel", "--conn", "{connection_file}"],
    display_name: `Deno ${DENO_VERSION} (bench)`,
    language: "typescript",
    // Deno's own cache, not the user's; no update check in the middle of a measurement.
    env: { DENO_DIR: path.join(DENO_DIR, "cache"), DENO_NO_UPDATE_CHECK: "1" },
  });
  writeKernelspec(jupyterPath, TSLAB_KERNEL, {
    argv: [process.execPath, require.resolve("tslab/bin/tslab"), "kernel", "--config-path", "{connection_file}"],
    display_name: "tslab (bench)",
    language: "typescript",
  });
  return jupyterPath;
}

function writeKernelspec(jupyterPath: string, name: string, spec: object): void {
  const dir = path.join(jupyterPath, "kernels", name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "kernel.json"), JSON.stringify(spec, null, 2) + "\n");
}

/** The number a kernel shows as a value: Deno's text output is coloured, tslab's a printed line. */
export function numberIn(text: string): number {
  const bare = plain(text).trim();
  const value = Number(bare);
  if (bare === "" || Number.isNaN(value)) throw new Error(`not a number: ${JSON.stringify(text)}`);
  return value;
}
