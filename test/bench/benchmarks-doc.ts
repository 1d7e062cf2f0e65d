/**
 * docs/benchmarks.md, written by `npm run bench` from the JSON it writes to bench-results.json:
 * the run's date, commit and machine, then each section's measurements as a table. Measurements
 * only; what they mean is in README.md and docs/how-it-works.md.
 */
import { spawnSync } from "node:child_process";
import os from "node:os";
import path from "node:path";

export const BENCHMARKS_DOC = path.join(__dirname, "..", "..", "..", "docs", "benchmarks.md");

export interface Machine {
  cpuModel: string;
  cores: number;
  memoryBytes: number;
  node: string;
  os: string;
}

export interface BenchRun {
  date: Date;
  /** The commit measured, with "+ uncommitted changes" when the tree differed from it; null outside git. */
  commit: string | null;
  machine: Machine;
  /** bench-results.json as written: a WARNINGS list first when there are any, then one object per section. */
  json: Record<string, unknown>;
}

/** The page for one bench run. */
export function benchmarksDoc(run: BenchRun): string {
  const { WARNINGS, ...sections } = run.json;
  const warnings = Array.isArray(WARNINGS) ? WARNINGS.map((w) => `**Warning: ${String(w)}**`) : [];
  return [
    "<!-- Written by `npm run bench` (test/bench/bench.ts) from bench-results.json. Do not edit: run the bench again. -->",
    "",
    "# Benchmarks",
    "",
    `Measured ${dateOf(run.date)}${run.commit ? ` at commit ${run.commit}` : ""}, in one \`npm run bench\`.`,
    "",
    `Machine: ${machineLine(run.machine)}.`,
    "",
    "How each figure is measured is in `test/bench/`; the README's benchmark summary says what the figures mean.",
    "",
    ...warnings.flatMap((w) => [w, ""]),
    ...Object.entries(sections).flatMap(([name, values]) => sectionTable(name, values)),
  ].join("\n");
}

function dateOf(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

function machineLine(m: Machine): string {
  const gib = (m.memoryBytes / 2 ** 30).toFixed(1);
  return `${m.cpuModel}, ${m.cores} ${m.cores === 1 ? "core" : "cores"}, ${gib} GiB memory, Node.js ${m.node}, ${m.os}`;
}

function sectionTable(name: string, values: unknown): string[] {
  const rows = flatten(values, "").map(([key, value]) => `| ${key === "" ? name : `\`${key}\``} | ${cell(value)} |`);
  return [`## ${name}`, "", "| measure | value |", "|---|---|", ...rows, ""];
}

/** [dotted key, value] pairs: nested objects become `outer.inner` rows, everything else one row. */
function flatten(value: unknown, prefix: string): [string, unknown][] {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return [[prefix, value]];
  return Object.entries(value).flatMap(([key, inner]) => flatten(inner, prefix ? `${prefix}.${key}` : key));
}

function cell(value: unknown): string {
  const text =
    Array.isArray(value) && value.every((v) => typeof v !== "object")
      ? value.join(", ")
      : typeof value === "string"
        ? value
        : JSON.stringify(value);
  return text.replace(/\|/g, "\\|").replace(/\s*\n\s*/g, " ");
}

/** The machine the bench runs on, as the page names it. */
export function thisMachine(): Machine {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() || "unknown CPU",
    cores: cpus.length,
    memoryBytes: os.totalmem(),
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

/** The commit checked out, marked when the working tree has changes; null when git cannot tell. */
export function currentCommit(): string | null {
  const git = (...args: string[]) =>
    spawnSync("git", args, { encoding: "utf8", cwd: path.join(path.dirname(BENCHMARKS_DOC), "..") });
  const head = git("rev-parse", "--short", "HEAD");
  if (head.status !== 0) return null;
  // The page itself is rewritten by every run, so its own change does not count.
  const dirty =
    git("status", "--porcelain", "--untracked-files=no", "--", ":(exclude)docs/benchmarks.md").stdout.trim() !== "";
  return `${head.stdout.trim()}${dirty ? " + uncommitted changes" : ""}`;
}
