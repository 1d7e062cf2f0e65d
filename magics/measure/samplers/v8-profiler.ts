/**
 * v8-profiler-next, loaded without its installer's loader: the binding's path is worked out here from
 * the package's `binary.module_path`, as node-pre-gyp does; where none is found, it loads as usual.
 * See docs/how-it-works.md, "Dependencies and why".
 */
import fs from "node:fs";
import Module from "node:module";
import path from "node:path";
import type Profiler from "v8-profiler-next";

const PACKAGE_JSON = require.resolve("v8-profiler-next/package.json");

function bindingPath(): string {
  const { binary } = JSON.parse(fs.readFileSync(PACKAGE_JSON, "utf8"));
  const values: Record<string, string> = {
    configuration: "Release",
    node_abi: `node-v${process.versions.modules}`,
    platform: process.platform,
    arch: process.arch,
  };
  const dir = String(binary.module_path).replace(/\{(\w+)\}/g, (whole, key: string) => values[key] ?? whole);
  return path.join(path.dirname(PACKAGE_JSON), dir, `${binary.module_name}.node`);
}

function load(): typeof Profiler {
  const binding = bindingPath();
  if (!fs.existsSync(binding)) return require("v8-profiler-next");
  const loader = require.resolve("@xprofiler/node-pre-gyp", { paths: [path.dirname(PACKAGE_JSON)] });
  const stand = new Module(loader);
  Object.assign(stand, { filename: loader, loaded: true, exports: { find: () => binding } });
  require.cache[loader] = stand;
  try {
    return require("v8-profiler-next");
  } finally {
    delete require.cache[loader];
  }
}

export const profiler = load();
