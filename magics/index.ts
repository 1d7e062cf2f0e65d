/** The magics tsprof ships. Each lives in a file of its own; this is the list. */
import { MagicRegistry, type MagicSpec } from "./core/registry";
import { lsmagic } from "./commands/lsmagic";
import { prun } from "./commands/prun";
import { lprun } from "./commands/lprun";
import { timeit } from "./commands/timeit";
import { time } from "./commands/time";
import { memit } from "./commands/memit";
import { mprun } from "./commands/mprun";
import { alloc } from "./commands/alloc";
import { loadExt } from "./commands/load-ext";

const builtins: MagicSpec<any>[] = [prun, lprun, timeit, time, memit, mprun, alloc, loadExt];

export function createRegistry(): MagicRegistry {
  const registry = new MagicRegistry();
  for (const magic of builtins) registry.register(magic);
  registry.register(lsmagic(registry));
  return registry;
}
