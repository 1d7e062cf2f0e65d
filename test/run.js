#!/usr/bin/env node
/**
 * `npm test` (after the build): the unit tests, then the end-to-end tests, with Node's test
 * runner. The test files are those under test/ (so a deleted test's stale dist/ copy never runs).
 * End-to-end files start Jupyter servers and kernels: one file at a time on a 2-core machine.
 * Ends with one line of totals, `tests: N passed, M failed, K skipped`; exits non-zero if any
 * test failed.
 */
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
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

/** The runner's closing counts, read from its TAP report (`# pass 12`). */
function counts(tapFile) {
  const tap = fs.existsSync(tapFile) ? fs.readFileSync(tapFile, "utf8") : "";
  const count = (name) => Number((tap.match(new RegExp(`^# ${name} (\\d+)$`, "m")) ?? [])[1] ?? 0);
  return { passed: count("pass"), failed: count("fail") + count("cancelled"), skipped: count("skipped") + count("todo") };
}

const total = { passed: 0, failed: 0, skipped: 0 };
let ok = true;
for (const { dir, concurrency } of suites) {
  const files = testFiles(dir);
  // With no files, `node --test` would search the whole tree (and find this script).
  if (files.length === 0) continue;
  const missing = files.filter((f) => !fs.existsSync(f));
  if (missing.length) {
    console.error(`Not built: ${missing.join(", ")} (run npm run build)`);
    ok = false;
    continue;
  }
  console.log(`\n=== ${dir} tests: ${files.length} files ===`);
  const started = Date.now();
  const tapFile = path.join(os.tmpdir(), `tsprof-${dir}-${process.pid}.tap`);
  const run = spawnSync(
    process.execPath,
    [
      "--test",
      `--test-concurrency=${concurrency}`,
      "--test-timeout=600000",
      "--test-reporter=spec",
      "--test-reporter-destination=stdout",
      "--test-reporter=tap",
      `--test-reporter-destination=${tapFile}`,
      ...files,
    ],
    { stdio: "inherit", cwd: root },
  );
  const c = counts(tapFile);
  fs.rmSync(tapFile, { force: true });
  for (const k of Object.keys(total)) total[k] += c[k];
  console.log(`=== ${dir} tests ${run.status === 0 ? "passed" : "FAILED"} in ${((Date.now() - started) / 1000).toFixed(1)} s ===`);
  if (run.status !== 0) ok = false;
}
console.log(`tests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(ok && total.failed === 0 ? 0 : 1);
