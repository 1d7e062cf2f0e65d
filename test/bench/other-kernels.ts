/**
 * The kernels tsprof is measured against, registered in a Jupyter data dir of the bench's own
 * (`.bench/jupyter`, git-ignored), so that nothing is written to the user's Jupyter paths:
 * - Deno's (`deno jupyter`), the TypeScript notebook users would pick instead. The `deno` npm
 *   package ships its binary (about 100 MB), so it is installed on demand into `.bench/deno` and
 *   is no dependency of tsprof's. `deno jupyter --install` would write to the user's kernels
 *   whatever JUPYTER_DATA_DIR says, so its kernel.json is written here.
 * - tslab's, which tsprof is built on, from tsprof's own dependency.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { plain, ROOT } from "../e2e/harness";

export const DENO_VERSION = "2.9.6";
export const DENO_KERNEL = "deno-bench";
export const TSLAB_KERNEL = "tslab-bench";

const BENCH_DIR = path.join(ROOT, ".bench");
const DENO_DIR = path.join(BENCH_DIR, "deno");
const DENO = path.join(DENO_DIR, "node_modules", ".bin", "deno");

/** The bench's Jupyter data dir, with Deno's and tslab's kernelspecs in it (Deno installed first if need be). */
export function benchKernelspecs(): string {
  const jupyterPath = path.join(BENCH_DIR, "jupyter");
  writeKernelspec(jupyterPath, DENO_KERNEL, {
    argv: [installedDeno(), "jupyter", "--kernel", "--conn", "{connection_file}"],
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

/** The path of the deno binary, `npm install`ed into the bench's folder unless that version is there already. */
function installedDeno(): string {
  if (denoVersion() === DENO_VERSION) return DENO;
  fs.mkdirSync(DENO_DIR, { recursive: true });
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const install = spawnSync(
    npm,
    ["install", "--prefix", DENO_DIR, "--save-exact", "--no-audit", "--no-fund", `deno@${DENO_VERSION}`],
    { encoding: "utf8" },
  );
  if (install.status !== 0)
    throw new Error(
      `npm install deno@${DENO_VERSION} into ${DENO_DIR} failed (exit ${install.status}):\n${install.stdout}${install.stderr}`,
    );
  const version = denoVersion();
  if (version !== DENO_VERSION)
    throw new Error(`${DENO} reports version ${version ?? "nothing"} after npm install deno@${DENO_VERSION}`);
  return DENO;
}

function denoVersion(): string | null {
  if (!fs.existsSync(DENO)) return null;
  const run = spawnSync(DENO, ["--version"], { encoding: "utf8" });
  return /^deno (\S+)/.exec(run.stdout ?? "")?.[1] ?? null;
}

/** The number a kernel shows as a value: Deno's text output is coloured, tslab's a printed line. */
export function numberIn(text: string): number {
  const bare = plain(text).trim();
  const value = Number(bare);
  if (bare === "" || Number.isNaN(value)) throw new Error(`not a number: ${JSON.stringify(text)}`);
  return value;
}
