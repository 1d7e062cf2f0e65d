#!/usr/bin/env node
/** `tsprof install | kernel | walkthrough | prun | lprun | memit | alloc` — the command line, shaped like tslab's. */
import { Command } from "commander";
import { install } from "./install";

const program = new Command("tsprof")
  .description("TypeScript Jupyter kernel with profiling magics")
  .version(require("../../../package.json").version);

program
  .command("install")
  .description("Register the tsprof kernel with Jupyter")
  .option("--python <path>", "the Python whose Jupyter gets the kernelspec (default: python3, then /usr/bin/python3)")
  .option("--user", "install for the current user (the default when not root)")
  .option("--sys-prefix", "install into sys.prefix (a virtualenv or conda env)")
  .option("--prefix <dir>", "install into DIR/share/jupyter/kernels")
  .action((options) => console.log(install(options)));

program
  .command("kernel")
  .description("Start the kernel (Jupyter runs this from the kernelspec)")
  .requiredOption("--config-file <file>", "the connection file Jupyter wrote")
  // Loaded on use: `install` must not need the kernel (its TypeScript compiler and magics).
  .action((options) => require("./main").startKernel(options.configFile));

program
  .command("walkthrough [notebooks...]")
  .description(
    "Install the kernel for this user, copy the walkthrough notebooks into a folder here, and run them (or the ones named) there",
  )
  .option("--dir <dir>", "the working folder (notebooks already there are kept, not overwritten)", "tsprof-notebooks")
  .option("--open", "open the walkthrough in Jupyter Notebook instead of executing the notebooks headless")
  .option("--python <path>", "the Python with Jupyter")
  .action((notebooks: string[], options) => require("./walkthrough").runWalkthrough(notebooks, options));

/** The profilers on a script (profile-command.ts), each its magic's options after the command: `tsprof prun --help`. */
const SCRIPT_COMMANDS: Record<string, string> = {
  prun: "profile a script function by function, as python -m cProfile does (%prun's table)",
  lprun: "profile a script's functions line by line, as kernprof -l -v does (%lprun's tables)",
  memit: "measure a script's peak memory, as python -m memory_profiler does (%memit)",
  alloc: "show which functions of a script allocate (%alloc's table)",
};
for (const [name, description] of Object.entries(SCRIPT_COMMANDS))
  program
    .command(`${name} [options] <script> [args...]`)
    .description(`${description}; tsprof ${name} --help for its options`);

const [commandName, ...commandArgs] = process.argv.slice(2);
// Parsed by the magic's own declaration, not by commander: the options are the magic's, and
// everything after the script is the script's.
if (Object.hasOwn(SCRIPT_COMMANDS, commandName ?? "")) {
  require("./profile-command")
    .runProfileCommand(commandName, commandArgs)
    .then((code: number) => process.exit(code))
    .catch((e: unknown) => {
      console.error(e instanceof Error ? (e.stack ?? e.message) : e);
      process.exit(1);
    });
} else
  program.parseAsync(process.argv).catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
