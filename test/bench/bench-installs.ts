/**
 * Programs the bench runs beside tsprof that no user of tsprof needs: npm packages that ship a
 * binary, installed on demand into a folder of the bench's own (`.bench/<folder>`, git-ignored),
 * so that they are no dependency of tsprof's.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { ROOT } from "../e2e/harness";

export const BENCH_DIR = path.join(ROOT, ".bench");

export interface BenchBinary {
  /** The folder under .bench/ it is installed in. */
  folder: string;
  /** The npm package and its exact version. */
  name: string;
  version: string;
  /** The binary's name in the package's node_modules/.bin. */
  bin: string;
  /** The version the binary reports, from its `args` output. */
  versionArgs: string[];
  reported: RegExp;
}

/** The path of the binary, `npm install`ed into its folder unless that version is there already. */
export function installedBinary(binary: BenchBinary): string {
  const dir = path.join(BENCH_DIR, binary.folder);
  const file = path.join(dir, "node_modules", ".bin", binary.bin);
  if (reportedVersion(file, binary) === binary.version) return file;
  fs.mkdirSync(dir, { recursive: true });
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const spec = `${binary.name}@${binary.version}`;
  const install = spawnSync(npm, ["install", "--prefix", dir, "--save-exact", "--no-audit", "--no-fund", spec], {
    encoding: "utf8",
  });
  if (install.status !== 0)
    throw new Error(
      `npm install ${spec} into ${dir} failed (exit ${install.status}):\n${install.stdout}${install.stderr}`,
    );
  const version = reportedVersion(file, binary);
  if (version !== binary.version)
    throw new Error(`${file} reports version ${version ?? "nothing"} after npm install ${spec}`);
  return file;
}

function reportedVersion(file: string, binary: BenchBinary): string | null {
  if (!fs.existsSync(file)) return null;
  const run = spawnSync(file, binary.versionArgs, { encoding: "utf8" });
  return binary.reported.exec(run.stdout ?? "")?.[1] ?? null;
}
