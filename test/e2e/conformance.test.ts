/**
 * Jupyter's official kernel conformance suite (`jupyter_kernel_test`, Debian's
 * python3-jupyter-kernel-test) against the installed tsprof kernel: test/conformance/test_tsprof.py
 * gives TypeScript samples for each of the suite's tests. Every one must pass, none be skipped.
 * The same samples run against tslab's own kernel as it ships (the pinned tslab in node_modules),
 * and both outcomes are printed side by side: the README's comparison comes from this output.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { installTestKernelspec, ROOT, runPython } from "./harness";

interface Outcome {
  name: string;
  result: "ok" | "FAIL" | "ERROR" | "skipped" | "expected failure" | "unexpected success";
}

const TSLAB_KERNEL = "tslab-as-shipped";
const TSLAB_VERSION: string = require(path.join(ROOT, "node_modules", "tslab", "package.json")).version;

/** Reads unittest's verbose lines, `test_x (module.Class.test_x) ... ok`, one per test method. */
function outcomes(log: string): Outcome[] {
  const found = new Map<string, Outcome["result"]>();
  const line =
    /^(test_\w+) \([\w.]+\)(?: \(.*\))? \.\.\. ?(?:\n.*?\.\.\. )?(ok|FAIL|ERROR|skipped|expected failure|unexpected success)/gm;
  for (const m of log.matchAll(line)) {
    const previous = found.get(m[1]);
    // A method with subtests is reported once per failing subtest: any failure fails it.
    if (!previous || previous === "ok") found.set(m[1], m[2] as Outcome["result"]);
  }
  return [...found].map(([name, result]) => ({ name, result }));
}

/** tslab's kernelspec as `tslab install` writes it, beside tsprof's in the test prefix. */
function installTslabKernelspec(): void {
  const dir = path.join(installTestKernelspec().jupyterPath, "kernels", TSLAB_KERNEL);
  fs.mkdirSync(dir, { recursive: true });
  const argv = [
    process.execPath,
    path.join(ROOT, "node_modules", "tslab", "bin", "tslab"),
    "kernel",
    "--config-path",
    "{connection_file}",
  ];
  fs.writeFileSync(
    path.join(dir, "kernel.json"),
    JSON.stringify({ argv, display_name: `TypeScript (tslab ${TSLAB_VERSION})`, language: "typescript" }),
  );
}

async function suite(kernel: string): Promise<{ code: number | null; log: string; results: Outcome[] }> {
  const { code, log } = await runPython(
    ["-m", "unittest", "-v", "test_tsprof"],
    path.join(ROOT, "test", "conformance"),
    { TSPROF_CONFORMANCE_KERNEL: kernel },
  );
  return { code, log, results: outcomes(log) };
}

function sideBySide(ours: Outcome[], theirs: Outcome[]): string {
  const names = [...new Set([...ours, ...theirs].map((r) => r.name))].sort();
  const cell = (results: Outcome[], name: string) => results.find((r) => r.name === name)?.result ?? "(not run)";
  const passed = (results: Outcome[]) => `${results.filter((r) => r.result === "ok").length} of ${names.length} pass`;
  const width = Math.max(...names.map((n) => n.length), "conformance test".length);
  const row = (a: string, b: string, c: string) => `${a.padEnd(width)}  ${b.padEnd(12)}  ${c}`;
  return [
    row("conformance test", "tsprof", `tslab ${TSLAB_VERSION} as it ships`),
    ...names.map((n) => row(n, cell(ours, n), cell(theirs, n))),
    row("total", passed(ours), passed(theirs)),
  ].join("\n");
}

test("jupyter_kernel_test: all 12 conformance tests pass; tslab's own kernel runs the same samples beside it", async (t) => {
  installTslabKernelspec();
  const ours = await suite("tsprof");
  const theirs = await suite(TSLAB_KERNEL);
  const passed = ours.results.filter((r) => r.result === "ok");
  const failed = ours.results.filter((r) => r.result !== "ok" && r.result !== "skipped");
  const skipped = ours.results.filter((r) => r.result === "skipped");
  // On lines of their own in the test output.
  console.log(`conformance: ${passed.length} passed, ${failed.length} failed, ${skipped.length} skipped`);
  console.log(sideBySide(ours.results, theirs.results));
  for (const r of [...failed, ...skipped]) t.diagnostic(`${r.name}: ${r.result}`);
  assert.equal(ours.code, 0, `the suite failed:\n${ours.log}`);
  assert.deepEqual(failed, [], ours.log);
  assert.deepEqual(skipped, [], `skipped tests:\n${ours.log}`);
  assert.equal(passed.length, 12, `expected the suite's 12 tests:\n${ours.log}`);
  assert.equal(theirs.results.length, 12, `tslab's run reported every test, whatever its outcome:\n${theirs.log}`);
});
