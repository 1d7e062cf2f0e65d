/**
 * The package as a user gets it: `npm pack`, `npm install -g` of the tarball into a temporary
 * prefix (from the npm cache: no network needed beyond the npm registry), then its `tsprof`
 * command: `install` registers the kernel into a temporary Jupyter path, `lprun` profiles a
 * script that imports the marker from "tsprof" without having it installed, and `walkthrough`, run
 * in an empty folder, copies the notebooks that travel in the package there, runs the forward-pass
 * walkthrough with the installed kernel and says where its HTML is. The other two notebooks are
 * executed from the checkout by notebooks.test.ts; here the walkthrough's own notebook runs, the one
 * that imports a package (wabt) and draws charts.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PYTHON, ROOT } from "./harness";

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "tsprof-package-"));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** Runs a command to its end; resolves with its exit code and everything it printed. */
function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, out }));
  });
}

test("npm pack, npm install -g into a prefix, tsprof install and tsprof walkthrough in an empty folder", async () => {
  // Built already (npm test builds first): packing must not rebuild dist/ under other test files.
  const pack = await run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", scratch], { cwd: ROOT });
  assert.equal(pack.code, 0, pack.out);
  const [{ filename, files }] = JSON.parse(pack.out.slice(pack.out.indexOf("[")));
  const packed = (files as { path: string }[]).map((f) => f.path);
  for (const file of ["dist/kernel/cli/cli.js", "dist/assets/plotly-tsprof.min.js", "notebooks/01-forward-pass.ipynb"])
    assert.ok(packed.includes(file), `${file} is in the tarball`);
  assert.ok(
    !packed.some(
      (f) =>
        f.startsWith("dist/test/") ||
        f.startsWith("dist/scripts/") ||
        f.startsWith("scripts/") ||
        f.startsWith("notebooks/out/"),
    ),
    "no tests, build scripts or walkthrough output in the tarball",
  );

  const prefix = path.join(scratch, "prefix");
  const installed = await run(
    "npm",
    ["install", "-g", "--prefix", prefix, "--prefer-offline", "--no-audit", "--no-fund", path.join(scratch, filename)],
    { cwd: scratch },
  );
  assert.equal(installed.code, 0, installed.out);
  const tsprof = path.join(prefix, "bin", "tsprof");
  assert.ok(fs.existsSync(tsprof), installed.out);
  assert.ok(
    !fs.existsSync(path.join(prefix, "lib", "node_modules", "tsprof", "node_modules", "plotly.js")),
    "plotly.js stays a devDependency: its built bundle ships in dist/",
  );

  // Everything Jupyter keeps per user goes to scratch: the kernelspec, the notebooks' HTML.
  const env = {
    ...process.env,
    JUPYTER_DATA_DIR: path.join(scratch, "jupyter-data"),
    PYDEVD_DISABLE_FILE_VALIDATION: "1",
  };
  const jupyterPrefix = path.join(scratch, "jupyter-prefix");
  const registered = await run(tsprof, ["install", "--prefix", jupyterPrefix, "--python", PYTHON], {
    cwd: scratch,
    env,
  });
  assert.equal(registered.code, 0, registered.out);
  const spec = JSON.parse(
    fs.readFileSync(path.join(jupyterPrefix, "share", "jupyter", "kernels", "tsprof", "kernel.json"), "utf8"),
  );
  assert.equal(
    spec.argv[1],
    path.join(fs.realpathSync(prefix), "lib", "node_modules", "tsprof", "dist", "kernel", "cli", "cli.js"),
  );
  assert.deepEqual(spec.argv.slice(2), ["kernel", "--config-file", "{connection_file}"]);
  assert.match((await run(tsprof, ["kernel", "--help"], { cwd: scratch })).out, /--config-file/);

  // The command line on a script in a folder with no tsprof in it: the marker comes from the installed command.
  const scripts = path.join(scratch, "scripts");
  fs.mkdirSync(scripts);
  fs.writeFileSync(
    path.join(scripts, "marked.ts"),
    'import { profile } from "tsprof";\nconst sum = profile((n: number) => {\n  let s = 0;\n  for (let i = 0; i < n; i++) s += i;\n  return s;\n});\nconsole.log("sum", sum(100));\n',
  );
  const lprun = await run(tsprof, ["lprun", "marked.ts"], { cwd: scripts });
  assert.equal(lprun.code, 0, lprun.out);
  assert.match(lprun.out, /^sum 4950$/m);
  assert.match(lprun.out, /^\s+4\s+101\s+.*for \(let i = 0; i < n; i\+\+\) s \+= i;$/m);

  const work = path.join(scratch, "empty-folder");
  fs.mkdirSync(work);
  const walkthrough = await run(tsprof, ["walkthrough", "--python", PYTHON, "01-forward-pass.ipynb"], {
    cwd: work,
    env,
  });
  assert.equal(walkthrough.code, 0, walkthrough.out);
  const folder = path.join(work, "tsprof-notebooks");
  assert.deepEqual(
    fs
      .readdirSync(folder)
      .filter((f) => f.endsWith(".ipynb"))
      .sort(),
    ["01-forward-pass.ipynb", "02-exercises.ipynb", "03-why-lines-dont-add-up.ipynb", "04-transformer-block.ipynb"],
  );
  const html = path.join(folder, "out", "01-forward-pass.html");
  assert.ok(walkthrough.out.includes(`  ${html}\n`), `it says where the HTML is:\n${walkthrough.out.slice(-800)}`);
  const page = fs.readFileSync(html, "utf8");
  assert.ok(
    page.includes('window.dispatchEvent(new Event("tsprof-plotly"))'),
    "the charts carry the packaged plotly.js bundle",
  );
  // nbconvert's HTML shows errors and stderr alike under this MIME type.
  assert.ok(
    !page.includes('data-mime-type="application/vnd.jupyter.stderr"'),
    "no error or stderr output in the executed walkthrough",
  );
  assert.deepEqual(
    fs.readdirSync(path.join(prefix, "lib", "node_modules", "tsprof", "notebooks")).sort(),
    ["01-forward-pass.ipynb", "02-exercises.ipynb", "03-why-lines-dont-add-up.ipynb", "04-transformer-block.ipynb"],
    "nothing was written into the installed package",
  );
});
