/**
 * Builds the browser assets the views embed (run by `npm run build` after tsc): a plotly.js
 * bundle with only the trace types tsprof draws — bar, histogram, icicle, and scatter, which
 * plotly's core always carries — so charts draw offline without the several times larger full library.
 */
import fs from "node:fs";
import path from "node:path";
import { build } from "esbuild";
import { PLOTLY_LIBRARY_PATH as PLOTLY_ASSET } from "../magics/views/plotly";

/** Sets `window.Plotly` itself rather than through a UMD wrapper, which classic Notebook's require.js would capture. */
const ENTRY = `
var Plotly = require("plotly.js/lib/core");
Plotly.register([require("plotly.js/lib/bar"), require("plotly.js/lib/histogram"), require("plotly.js/lib/icicle")]);
window.Plotly = Plotly;
`;

async function buildPlotly(): Promise<void> {
  await build({
    stdin: { contents: ENTRY, resolveDir: path.join(__dirname, "..", ".."), loader: "js" },
    bundle: true,
    minify: true,
    format: "iife",
    target: "es2016",
    outfile: PLOTLY_ASSET,
    legalComments: "none",
    // plotly's registry imports maplibre's stylesheet for map traces, which this bundle has none of.
    loader: { ".css": "empty" },
    // As plotly.js's own esbuild config: no AMD detection (require.js pages), no Node globals.
    define: { global: "window", "define.amd": "false", "process.env.NODE_DEBUG": "false" },
    logLevel: "warning",
  });
  const code = fs.readFileSync(PLOTLY_ASSET, "utf8");
  // The bundle is inlined in a <script> element: these sequences would end or derail it.
  for (const bad of ["</script", "<!--", "<script"]) {
    if (code.toLowerCase().includes(bad))
      throw new Error(`${PLOTLY_ASSET} contains "${bad}", which cannot be inlined in a <script> element`);
  }
  console.log(`built ${path.relative(process.cwd(), PLOTLY_ASSET)}: ${(code.length / 1024).toFixed(0)} KiB`);
}

if (require.main === module) {
  buildPlotly().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
