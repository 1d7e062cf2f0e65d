/** Starts the kernel process: executor, magics, protocol server, and the SIGINT handler. */
import { Executor } from "../exec/executor";
import { CellRunner } from "../exec/cell-runner";
import { Connection } from "../jupyter/protocol";
import { kernelLog } from "../jupyter/log";
import { KernelServer } from "../jupyter/server";
import { publicModules } from "../public";
import { createRegistry } from "../../magics";

export async function startKernel(connectionFile: string): Promise<void> {
  const cwd = process.cwd();
  const executor = new Executor(cwd, publicModules);
  executor.warmUp();
  const registry = createRegistry();
  const runner = new CellRunner(executor, registry, cwd);
  const server = new KernelServer(Connection.fromFile(connectionFile), executor, runner, registry);
  // Jupyter interrupts with SIGINT; a running cell is stopped by the executor, never the process.
  process.on("SIGINT", () => runner.interrupt());
  // Errors from callbacks that outlive their cell must not take the kernel and its state down.
  process.on("uncaughtException", (e) => kernelLog("Uncaught exception (the kernel keeps running):", e));
  process.on("unhandledRejection", (e) => kernelLog("Unhandled promise rejection (the kernel keeps running):", e));
  exitWithParent();
  await server.start();
}

/**
 * Like ipykernel's parent poller: a kernel whose Jupyter server died (killed, crashed) exits
 * instead of living on as an orphan.
 */
function exitWithParent(): void {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) process.exit(0);
  }, 1000).unref();
}
