/** The magics tsprof ships. Each lives in a file of its own; this is the list. */
import { MagicRegistry, type MagicSpec } from "./core/registry";
import { lsmagic } from "./lsmagic";
import { prun } from "./prun";
import { lprun } from "./lprun";
import { timeit } from "./timeit";
import { time } from "./time";
import { memit } from "./memit";
import { mprun } from "./mprun";
import { alloc } from "./alloc";

const builtins: MagicSpec<any>[] = [prun, lprun, timeit, time, memit, mprun, alloc];

export function createRegistry(): MagicRegistry {
  const registry = new MagicRegistry();
  for (const magic of builtins) registry.register(magic);
  registry.register(lsmagic(registry));
  return registry;
}
