/**
 * Splits a cell into the parts the dispatcher runs in order: TypeScript code, line magics
 * (`%name args` on a line of their own, anywhere in the cell) and a cell magic (`%%name args` on
 * the cell's first line, taking the rest of the cell as its body).
 */
import type { MagicForm } from "./registry";

export interface CodePart {
  kind: "code";
  code: string;
  /** 1-based cell line of the code's first line. */
  line: number;
}

export interface MagicPart {
  kind: "magic";
  form: MagicForm;
  name: string;
  /** Text after the name on the magic's line. */
  args: string;
  /** For a cell magic, the lines below the magic line. */
  body: string;
  /** `%name?` asks for help instead of running the magic. */
  help: boolean;
  /** 1-based cell line of the magic. */
  line: number;
  /** `t = %timeit -o f()` or `const t = %timeit -o f()` (IPython's form): the target its value is assigned to. */
  assign?: string;
}

export type CellPart = CodePart | MagicPart;

const MAGIC_LINE = /^\s*(%%?)([A-Za-z_][\w]*)(\?*)(?:\s+(.*))?\s*$/;
/** A line magic whose value is assigned: `[const|let|var] name = %magic args`. */
const ASSIGNED_MAGIC_LINE = /^\s*((?:(?:const|let|var)\s+)?[A-Za-z_$][\w$]*)\s*=\s*(%[A-Za-z_].*)$/;

export function splitCell(source: string): CellPart[] {
  const lines = source.split("\n");
  const first = lines.findIndex((l) => l.trim() !== "");
  if (first >= 0) {
    const m = MAGIC_LINE.exec(lines[first]);
    if (m && m[1] === "%%") {
      return [magicPart("cell", m, lines.slice(first + 1).join("\n"), first + 1)];
    }
  }
  const parts: CellPart[] = [];
  let pending: string[] = [];
  let pendingStart = 1;
  const flush = () => {
    if (pending.some((l) => l.trim() !== "")) parts.push({ kind: "code", code: pending.join("\n"), line: pendingStart });
    pending = [];
  };
  lines.forEach((text, i) => {
    const assigned = ASSIGNED_MAGIC_LINE.exec(text);
    const m = MAGIC_LINE.exec(assigned ? assigned[2] : text);
    if (m && m[1] === "%") {
      flush();
      parts.push({ ...magicPart("line", m, "", i + 1), ...(assigned ? { assign: assigned[1] } : {}) });
      pendingStart = i + 2;
      return;
    }
    if (pending.length === 0) pendingStart = i + 1;
    pending.push(text);
  });
  flush();
  return parts;
}

function magicPart(form: MagicForm, m: RegExpExecArray, body: string, line: number): MagicPart {
  return { kind: "magic", form, name: m[2], args: (m[4] ?? "").trim(), body, help: m[3] !== "", line };
}
