/**
 * Errors as Jupyter shows them: `ename`, `evalue` and a traceback whose frames name the cell's
 * TypeScript lines (not the compiled JavaScript) and quote the line.
 */
import { isTslabCode, type Diagnostic } from "./tslab-bridge";
import type { Unit } from "./units";

export interface ErrorContent {
  ename: string;
  evalue: string;
  traceback: string[];
}

/** The cell did not type-check or parse. */
export class CompileError extends Error {
  constructor(
    readonly file: string,
    readonly source: string,
    readonly diagnostics: Diagnostic[],
  ) {
    super(diagnostics.map((d) => d.messageText).join("\n"));
    this.name = "CompileError";
  }
}

/** SIGINT stopped the cell (Jupyter's "interrupt kernel"). */
export class InterruptedError extends Error {
  constructor() {
    super("Execution interrupted by the user (SIGINT); the kernel and its state are kept.");
    this.name = "KeyboardInterrupt";
  }
}

export interface UnitLookup {
  unitForScript(url: string): Unit | undefined;
}

export function errorContent(error: unknown, units: UnitLookup): ErrorContent {
  if (error instanceof CompileError) return compileErrorContent(error);
  if (!(error instanceof Error)) {
    return { ename: "Uncaught", evalue: describeThrown(error), traceback: [`Uncaught ${describeThrown(error)}`] };
  }
  const ename = error.name || error.constructor?.name || "Error";
  const frames = userFrames(error.stack ?? "", units);
  const head = `${ename}: ${error.message}`;
  return { ename, evalue: error.message, traceback: [head, ...frames] };
}

/** A one-line form of a value the code threw that is not an Error. */
function describeThrown(value: unknown): string {
  try {
    return typeof value === "string" ? JSON.stringify(value) : String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

function compileErrorContent(e: CompileError): ErrorContent {
  const lines = e.source.split("\n");
  const traceback = e.diagnostics.flatMap((d) => {
    const where = `${d.fileName ?? e.file}:${d.start.line + 1}:${d.start.character + 1}`;
    const quoted = d.fileName
      ? []
      : quoteLine(lines, d.start.line + 1, d.start.character, Math.max(1, d.end.offset - d.start.offset));
    return [`${where} - error TS${d.code}: ${d.messageText}`, ...quoted];
  });
  return { ename: "CompileError", evalue: e.diagnostics[0]?.messageText ?? "compile error", traceback };
}

function quoteLine(lines: string[], line: number, column: number, width: number): string[] {
  const text = lines[line - 1];
  if (text === undefined) return [];
  const gutter = `${String(line).padStart(5)} | `;
  return [
    gutter + text,
    " ".repeat(gutter.length + column) + "^".repeat(Math.min(width, Math.max(1, text.length - column))),
  ];
}

/** `at name (url:line:column)` or `at url:line:column`, either after `async ` in an await's frame. */
const FRAME = /^\s*at (?:async )?(?:(.*?) \()?(.+?):(\d+):(\d+)\)?$/;

/** Stack frames in the user's code, remapped to source lines; the kernel's own frames dropped. */
function userFrames(stack: string, units: UnitLookup): string[] {
  const out: string[] = [];
  for (const line of stack.split("\n")) {
    const m = FRAME.exec(line);
    if (!m) continue;
    const [, receiverAndName, url, jsLine, jsColumn] = m;
    // Cells' functions are called through the exports object, a Proxy: "Proxy.f" is the user's "f".
    const fnName = receiverAndName?.replace(/^Proxy\./, "");
    const unit = units.unitForScript(url);
    if (unit) {
      const sourceLine = unit.toSourceLine(Number(jsLine), Number(jsColumn) - 1);
      // The kernel's wrapper around the cell maps to no line: not the user's frame.
      if (sourceLine === null) continue;
      const where = `${unit.file}:${sourceLine}`;
      out.push(`    at ${fnName ? `${fnName} (${where})` : where}`);
      if (unit.source) out.push(...quoteLine(unit.source.split("\n"), sourceLine, 0, 0).slice(0, 1));
    } else if (!isKernelFrame(url)) {
      out.push(`    at ${fnName ? `${fnName} (${url}:${jsLine}:${jsColumn})` : `${url}:${jsLine}:${jsColumn}`}`);
    }
  }
  return out;
}

function isKernelFrame(url: string): boolean {
  return (
    url.startsWith("node:") ||
    url.startsWith("tsprof:") ||
    url.includes("/dist/kernel/") ||
    url.includes("/dist/magics/") ||
    isTslabCode(url)
  );
}
