/** The README's main command: install the kernel, then run (or open) the walkthrough notebook. */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { findPython, install } from "./install";

const notebooksDir = path.resolve(__dirname, "..", "..", "notebooks");
const WALKTHROUGH = "01-forward-pass.ipynb";

export function runWalkthrough(options: { open?: boolean; python?: string }): void {
  const python = findPython(options.python);
  console.log(install({ user: true, python }));
  const env = { ...process.env, PYDEVD_DISABLE_FILE_VALIDATION: "1" };
  if (options.open) {
    // Jupyter will not start as root unless told it may: a root shell in a container is common.
    const asRoot = process.getuid?.() === 0 ? ["--allow-root"] : [];
    const server = spawnSync(python, ["-Xfrozen_modules=off", "-m", "notebook", ...asRoot, path.join(notebooksDir, WALKTHROUGH)], { stdio: "inherit", env });
    if (server.status) throw new Error(`Jupyter Notebook exited with status ${server.status}`);
    return;
  }
  const outDir = path.join(notebooksDir, "out");
  fs.mkdirSync(outDir, { recursive: true });
  const notebooks = fs.readdirSync(notebooksDir).filter((f) => f.endsWith(".ipynb")).sort();
  for (const notebook of notebooks) {
    console.log(`Running ${notebook} ...`);
    const run = spawnSync(
      python,
      ["-Xfrozen_modules=off", "-m", "nbconvert", "--to", "html", "--execute", "--ExecutePreprocessor.kernel_name=tsprof", "--ExecutePreprocessor.timeout=600", "--output-dir", outDir, path.join(notebooksDir, notebook)],
      { stdio: "inherit", env, cwd: notebooksDir },
    );
    if (run.status !== 0) throw new Error(`${notebook} failed (nbconvert exit ${run.status})`);
  }
  console.log(`\nDone. Open the executed notebooks in a browser:\n${notebooks.map((n) => "  " + path.join(outDir, n.replace(/\.ipynb$/, ".html"))).join("\n")}`);
}
