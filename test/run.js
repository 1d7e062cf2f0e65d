#!/usr/bin/env node
/**
 * `npm test` (after the build): the unit tests, then the end-to-end tests, with Node's test
 * runner. The test files are those under test/ (so a deleted test's stale dist/ copy never runs).
 * End-to-end files start Jupyter servers and kernels: one file at a time on a 2-core machine.
 * Exits non-zero if any test fails.
 */
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const root = path.join(__dirname, "..");
const suites = [
  { dir: "unit", concurrency: 2 },
  { dir: "e2e", concurrency: 1 },
];

function testFiles(dir) {
  const source = path.join(root, "test", dir);
  if (!fs.existsSync(source)) return [];
  return fs
    .readdirSync(source)
    .filter((f) => f.endsWith(".test.ts"))
    .sort()
    .map((f) => path.join(root, "dist", "test", dir, f.replace(/\.ts$/, ".js")));
}

let failed = false;
for (const { dir, concurrency } of suites) {
  const files = testFiles(dir);
  // With no files, `node --test` would search the whole tree (and find this script).
  if (files.length === 0) continue;
  const missing = files.filter((f) => !fs.existsSync(f));
  if (missing.length) {
    console.error(`Not built: ${missing.join(", ")} (run npm run build)`);
    failed = true;
    continue;
  }
  console.log(`\n=== ${dir} tests: ${files.length} files ===`);
  const started = Date.now();
  const run = spawnSync(
    process.execPath,
    ["--test", "--test-reporter=spec", `--test-concurrency=${concurrency}`, "--test-timeout=600000", ...files],
    { stdio: "inherit", cwd: root },
  );
  console.log(`=== ${dir} tests ${run.status === 0 ? "passed" : "FAILED"} in ${((Date.now() - started) / 1000).toFixed(1)} s ===`);
  if (run.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
