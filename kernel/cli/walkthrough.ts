/**
 * The README's main command: install the kernel, copy the packaged notebooks into a working folder
 * (never into the package's own), then run them there headless or open the walkthrough in Jupyter.
 * See docs/how-it-works.md, "The command line".
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { findPython, install } from "./install";

/** The notebooks as the package ships them (notebooks/*.ipynb, in package.json's `files`). */
export const PACKAGED_NOTEBOOKS = path.resolve(__dirname, "..", "..", "..", "notebooks");
export const DEFAULT_DIR = "tsprof-notebooks";
const WALKTHROUGH = "01-forward-pass.ipynb";
/**
 * Packages the notebooks import (besides "tsprof" and Node's own): runtime dependencies of tsprof,
 * linked into the working folder when it cannot resolve them itself.
 */
export const NOTEBOOK_PACKAGES = ["wabt"];

export interface WalkthroughOptions {
  open?: boolean;
  python?: string;
  dir?: string;
}

/** `only`: the notebooks to run, by file name (default: every notebook in the folder). */
export function runWalkthrough(only: string[], options: WalkthroughOptions): void {
  const python = findPython(options.python);
  const dir = path.resolve(options.dir ?? DEFAULT_DIR);
  const notebooks = selected(prepareFolder(dir), only, dir);
  console.log(install({ user: true, python }));
  const env = { ...process.env, PYDEVD_DISABLE_FILE_VALIDATION: "1" };
  if (options.open) return openInNotebook(python, dir, env);
  const outDir = path.join(dir, "out");
  fs.mkdirSync(outDir, { recursive: true });
  for (const notebook of notebooks) {
    console.log(`Running ${notebook} ...`);
    const run = spawnSync(
      python,
      [
        "-Xfrozen_modules=off",
        "-m",
        "nbconvert",
        "--to",
        "html",
        "--execute",
        "--ExecutePreprocessor.kernel_name=tsprof",
        "--ExecutePreprocessor.timeout=600",
        "--output-dir",
        outDir,
        path.join(dir, notebook),
      ],
      { stdio: "inherit", env, cwd: dir },
    );
    if (run.status !== 0) throw new Error(`${notebook} failed (nbconvert exit ${run.status})`);
  }
  console.log(
    `\nDone. Open the executed notebooks in a browser:\n${notebooks.map((n) => "  " + path.join(outDir, n.replace(/\.ipynb$/, ".html"))).join("\n")}`,
  );
}

/**
 * Copies the packaged notebooks the folder lacks (keeping any the user has), links what they
 * import; returns the folder's notebooks.
 */
export function prepareFolder(dir: string, source = PACKAGED_NOTEBOOKS): string[] {
  const shipped = notebooksIn(source);
  if (shipped.length === 0)
    throw new Error(
      `No notebooks found in ${source}: this tsprof package is incomplete (package.json's "files" must include notebooks/*.ipynb).`,
    );
  fs.mkdirSync(dir, { recursive: true });
  const copied = shipped.filter((n) => !fs.existsSync(path.join(dir, n)));
  for (const notebook of copied) fs.copyFileSync(path.join(source, notebook), path.join(dir, notebook));
  if (copied.length) console.log(`Copied ${copied.join(", ")} into ${dir}`);
  for (const name of NOTEBOOK_PACKAGES) linkPackage(dir, name);
  return notebooksIn(dir);
}

function selected(notebooks: string[], only: string[], dir: string): string[] {
  const unknown = only.filter((n) => !notebooks.includes(n));
  if (unknown.length) throw new Error(`No notebook ${unknown.join(", ")} in ${dir} (it has ${notebooks.join(", ")})`);
  return only.length ? notebooks.filter((n) => only.includes(n)) : notebooks;
}

function notebooksIn(dir: string): string[] {
  return fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".ipynb"))
        .sort()
    : [];
}

/** A package tsprof depends on, made importable from `dir` (the kernel resolves cells' imports from there). */
function linkPackage(dir: string, name: string): void {
  if (resolvesFrom(dir, name)) return;
  const target = path.dirname(require.resolve(`${name}/package.json`));
  const link = path.join(dir, "node_modules", name);
  fs.mkdirSync(path.dirname(link), { recursive: true });
  fs.symlinkSync(target, link, "dir");
}

function resolvesFrom(dir: string, name: string): boolean {
  try {
    require.resolve(`${name}/package.json`, { paths: [dir] });
    return true;
  } catch {
    return false;
  }
}

function openInNotebook(python: string, dir: string, env: NodeJS.ProcessEnv): void {
  // Jupyter will not start as root unless told it may: a root shell in a container is common.
  const asRoot = process.getuid?.() === 0 ? ["--allow-root"] : [];
  const server = spawnSync(python, ["-Xfrozen_modules=off", "-m", "notebook", ...asRoot, path.join(dir, WALKTHROUGH)], {
    stdio: "inherit",
    env,
    cwd: dir,
  });
  if (server.status) throw new Error(`Jupyter Notebook exited with status ${server.status}`);
}
