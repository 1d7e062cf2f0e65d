/**
 * Where the main thread reaches into tslab: its `display` API, its quick-info printer and where
 * `display` writes, with stand-ins for the TypeScript the main thread must not load.
 * See docs/how-it-works.md, "The compiler thread".
 */
import type * as InspectModule from "tslab/dist/inspect";
import type * as JupyterModule from "tslab/dist/jupyter";
import type * as PublicModule from "tslab/dist/public";
import { loadTslabModule, tslabRequire, TS_MODULE, typescriptVersion } from "./tslab-modules";

export { isTslabCode, typescriptVersion } from "./tslab-modules";
export type { Diagnostic } from "tslab/dist/converter";

const typescriptStandIn = { version: typescriptVersion };
/** tslab's protocol module: its `lastWriteDisplayData` is where tslab's `display` API writes. */
const tslabJupyter: typeof JupyterModule = loadTslabModule("jupyter", {
  [TS_MODULE]: typescriptStandIn,
  "./converter": {},
});
/** The module a cell gets for `import * as tslab from "tslab"`. */
export const tslabPublic: typeof PublicModule = loadTslabModule("public", {
  [TS_MODULE]: typescriptStandIn,
  "./jupyter": tslabJupyter,
});
export const quickInfo: typeof InspectModule = tslabRequire("./inspect");

type DisplayWriter = (data: { data: unknown; metadata: unknown; transient: unknown }, update: boolean) => void;

/** Sends what tslab's `display` API (and tsprof's, through it) shows to `write`. */
export function routeDisplayData(write: DisplayWriter): void {
  tslabJupyter.lastWriteDisplayData = write as typeof tslabJupyter.lastWriteDisplayData;
}

/** Shows a display_data message the way tslab's `display` API does. */
export function writeDisplayData(data: { data: unknown; metadata: unknown; transient: unknown }): void {
  tslabJupyter.lastWriteDisplayData?.(data as any, false);
}
