/** Registers the tsprof kernelspec with Jupyter, the way `tslab install` does. */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export interface InstallOptions {
  python?: string;
  user?: boolean;
  sysPrefix?: boolean;
  prefix?: string;
}

export const KERNEL_NAME = "tsprof";
export const DISPLAY_NAME = "TypeScript (tsprof)";

/** The kernel.json Jupyter runs: this Node binary and this checkout's CLI, by absolute path. */
export function kernelSpec(): object {
  return {
    argv: [process.execPath, path.join(__dirname, "cli.js"), "kernel", "--config-file", "{connection_file}"],
    display_name: DISPLAY_NAME,
    language: "typescript",
    interrupt_mode: "signal",
    metadata: { debugger: false },
  };
}

/** Debian's python3 has Jupyter; a python3 earlier on PATH (pyenv) may not. */
export function findPython(requested?: string): string {
  const candidates = requested ? [requested] : ["python3", "/usr/bin/python3"];
  for (const python of candidates) {
    const probe = spawnSync(python, ["-c", "import jupyter_client"], { stdio: "ignore" });
    if (probe.status === 0) return python;
  }
  throw new Error(
    `No Python with jupyter_client found (tried ${candidates.join(", ")}). Install Jupyter (e.g. Debian's jupyter-notebook, or pip install notebook) or pass --python PATH.`,
  );
}

export function install(options: InstallOptions): string {
  const python = findPython(options.python);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsprof-spec-"));
  const specDir = path.join(dir, KERNEL_NAME);
  fs.mkdirSync(specDir);
  fs.writeFileSync(path.join(specDir, "kernel.json"), JSON.stringify(kernelSpec(), null, 2));
  // Older jupyter_client needs --replace to overwrite; newer ones always do, and warn about it.
  const args = [
    "-W",
    "ignore::DeprecationWarning",
    "-m",
    "jupyter_client.kernelspecapp",
    "install",
    specDir,
    `--name=${KERNEL_NAME}`,
    "--replace",
  ];
  if (options.user) args.push("--user");
  if (options.sysPrefix) args.push("--sys-prefix");
  if (options.prefix) args.push(`--prefix=${path.resolve(options.prefix)}`);
  const run = spawnSync(python, args, {
    encoding: "utf8",
    env: { ...process.env, PYDEVD_DISABLE_FILE_VALIDATION: "1" },
  });
  fs.rmSync(dir, { recursive: true, force: true });
  if (run.status !== 0) throw new Error(`Installing the kernelspec failed:\n${run.stderr}`);
  return (run.stderr + run.stdout).trim();
}
