/**
 * The kernel's own diagnostics: to the terminal the Jupyter server logs to, not to a cell's output.
 * See docs/how-it-works.md, "The Jupyter side".
 */
import { format } from "node:util";

const stderrWrite = process.stderr.write.bind(process.stderr);

export function kernelLog(...parts: unknown[]): void {
  stderrWrite(`[tsprof] ${format(...parts)}\n`);
}
