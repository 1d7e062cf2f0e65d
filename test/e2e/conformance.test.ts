/**
 * Jupyter's official kernel conformance suite (`jupyter_kernel_test`, Debian's
 * python3-jupyter-kernel-test) against the installed tsprof kernel: test/conformance/test_tsprof.py
 * gives TypeScript samples for each of the suite's tests. Every one must pass, none be skipped.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { ROOT, runPython } from "./harness";

interface Outcome {
  name: string;
  result: "ok" | "FAIL" | "ERROR" | "skipped" | "expected failure" | "unexpected success";
}

/** Reads unittest's verbose lines, `test_x (module.Class.test_x) ... ok`, one per test method. */
function outcomes(log: string): Outcome[] {
  const found = new Map<string, Outcome["result"]>();
  const line = /^(test_\w+) \([\w.]+\)(?: \(.*\))? \.\.\. ?(?:\n.*?\.\.\. )?(ok|FAIL|ERROR|skipped|expected failure|unexpected success)/gm;
  for (const m of log.matchAll(line)) {
    const previous = found.get(m[1]);
    // A method with subtests is reported once per failing subtest: any failure fails it.
    if (!previous || previous === "ok") found.set(m[1], m[2] as Outcome["result"]);
  }
  return [...found].map(([name, result]) => ({ name, result }));
}

test("jupyter_kernel_test: all 12 conformance tests pass", async (t) => {
  const { code, log } = await runPython(["-m", "unittest", "-v", "test_tsprof"], path.join(ROOT, "test", "conformance"));
  const results = outcomes(log);
  const passed = results.filter((r) => r.result === "ok");
  const failed = results.filter((r) => r.result !== "ok" && r.result !== "skipped");
  const skipped = results.filter((r) => r.result === "skipped");
  const summary = `conformance: ${passed.length} passed, ${failed.length} failed, ${skipped.length} skipped`;
  // On a line of its own in the test output.
  console.log(summary);
  for (const r of [...failed, ...skipped]) t.diagnostic(`${r.name}: ${r.result}`);
  assert.equal(code, 0, `the suite failed:\n${log}`);
  assert.deepEqual(failed, [], log);
  assert.deepEqual(skipped, [], `skipped tests:\n${log}`);
  assert.equal(passed.length, 12, `expected the suite's 12 tests:\n${log}`);
});
