/**
 * The kernel's own diagnostics. The server sends whatever is written to process.stdout/stderr to
 * the cell that runs (or ran last), since that is where a user's console output belongs; the
 * kernel's lines must not land there. So they go through the stderr write captured when this
 * module loads, before the server replaces it: to the terminal the Jupyter server logs to.
 */
import { format } from "node:util";

const stderrWrite = process.stderr.write.bind(process.stderr);

export function kernelLog(...parts: unknown[]): void {
  stderrWrite(`[tsprof] ${format(...parts)}\n`);
}
