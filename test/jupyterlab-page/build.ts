/**
 * Bundles the JupyterLab test page (main.ts and JupyterLab's stylesheets) with esbuild into `outDir`,
 * next to index.html. JupyterLab's stylesheets import each other webpack-style (`~@jupyterlab/…`).
 */
import fs from "node:fs";
import path from "node:path";
import { build, type Plugin } from "esbuild";

const SOURCE = path.resolve(__dirname, "..", "..", "..", "test", "jupyterlab-page");
const STYLES = ["@jupyterlab/notebook/style/index.css", "@jupyterlab/theme-light-extension/style/theme.css"];
/** Images and fonts the stylesheets reference, inlined: the page loads nothing else. */
const ASSETS = Object.fromEntries(
  [".svg", ".png", ".gif", ".woff", ".woff2", ".ttf", ".eot"].map((ext) => [ext, "dataurl" as const]),
);

const webpackTilde: Plugin = {
  name: "webpack-tilde",
  setup(b) {
    b.onResolve({ filter: /^~/ }, (args) => ({
      path: require.resolve(args.path.slice(1), { paths: [args.resolveDir] }),
    }));
  },
};

export async function buildJupyterLabPage(outDir: string): Promise<void> {
  fs.mkdirSync(outDir, { recursive: true });
  const common = { bundle: true, logLevel: "error" as const, loader: ASSETS, plugins: [webpackTilde] };
  await build({
    ...common,
    entryPoints: [path.join(SOURCE, "main.ts")],
    outfile: path.join(outDir, "lab.js"),
    format: "iife",
    target: "es2021",
    define: { "process.env.NODE_ENV": '"production"', global: "window" },
  });
  await build({
    ...common,
    stdin: { contents: STYLES.map((s) => `@import "${s}";`).join("\n"), resolveDir: SOURCE, loader: "css" },
    outfile: path.join(outDir, "lab.css"),
  });
  fs.copyFileSync(path.join(SOURCE, "index.html"), path.join(outDir, "index.html"));
}
