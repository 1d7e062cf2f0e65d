/**
 * Splits a cell into the parts the dispatcher runs in order: TypeScript code, line magics and a cell
 * magic, found lexically with tslab's TypeScript scanner, as IPython uses Python's tokenizer.
 * See docs/how-it-works.md, "The execution model".
 */
import { typescript as ts, type Scanner, type SyntaxKind as Kind } from "./tslab-compiler";
import type { MagicForm } from "../../magics/core/registry";
import { ASSIGNED_MAGIC_LINE, MAGIC_LINE } from "../exec/magic-lines";

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

export function splitCell(source: string): CellPart[] {
  const lines = source.split("\n");
  const first = lines.findIndex((l) => l.trim() !== "");
  if (first >= 0) {
    const m = MAGIC_LINE.exec(lines[first]);
    if (m && m[1] === "%%") {
      return [magicPart("cell", m, lines.slice(first + 1).join("\n"), first + 1)];
    }
  }
  const magics = findLineMagics(source, lines);
  const parts: CellPart[] = [];
  let pending: string[] = [];
  let pendingStart = 1;
  const flush = () => {
    if (pending.some((l) => l.trim() !== ""))
      parts.push({ kind: "code", code: pending.join("\n"), line: pendingStart });
    pending = [];
  };
  lines.forEach((text, i) => {
    const magic = magics.get(i);
    if (magic) {
      flush();
      parts.push(magic);
      pendingStart = i + 2;
      return;
    }
    if (pending.length === 0) pendingStart = i + 1;
    pending.push(text);
  });
  flush();
  return parts;
}

/** A line magic read from a line's text, or null if the line is not one. */
function lineMagic(text: string, index: number): MagicPart | null {
  const assigned = ASSIGNED_MAGIC_LINE.exec(text);
  const m = MAGIC_LINE.exec(assigned ? assigned[2] : text);
  if (!m || m[1] !== "%") return null;
  return { ...magicPart("line", m, "", index + 1), ...(assigned ? { assign: assigned[1] } : {}) };
}

function magicPart(form: MagicForm, m: RegExpExecArray, body: string, line: number): MagicPart {
  return { kind: "magic", form, name: m[2], args: (m[4] ?? "").trim(), body, help: m[3] !== "", line };
}

const K = ts.SyntaxKind;

/** Tokens after which a line break may end the statement (so the next line may begin one). */
function endsStatement(kind: Kind | null): boolean {
  if (kind === null) return true;
  return (
    kind === K.SemicolonToken ||
    kind === K.CloseBraceToken ||
    endsExpression(kind) ||
    (kind >= K.FirstKeyword && kind <= K.LastKeyword)
  );
}

/** Tokens that end an expression, besides literals. */
const EXPRESSION_ENDS = new Set<Kind>([
  K.Identifier,
  K.PrivateIdentifier,
  K.CloseParenToken,
  K.CloseBracketToken,
  K.CloseBraceToken,
  K.ThisKeyword,
  K.SuperKeyword,
  K.NullKeyword,
  K.TrueKeyword,
  K.FalseKeyword,
  K.PlusPlusToken,
  K.MinusMinusToken,
]);

/** Tokens after which `/` divides; after anything else it opens a regex literal. */
function endsExpression(kind: Kind): boolean {
  const literal =
    kind >= K.FirstLiteralToken && kind <= K.LastTemplateToken && kind !== K.TemplateHead && kind !== K.TemplateMiddle;
  return literal || EXPRESSION_ENDS.has(kind);
}

/** The first token of a line that may start a magic: `%` itself, or an assigned magic's target. */
function mayStartMagic(kind: Kind): boolean {
  return (
    kind === K.PercentToken ||
    kind === K.PercentEqualsToken ||
    kind === K.Identifier ||
    kind === K.ConstKeyword ||
    kind === K.LetKeyword ||
    kind === K.VarKeyword
  );
}

/**
 * Scans the cell and returns its line magics by 0-based line. Brackets and `${` of templates are
 * tracked on one stack, so a `}` that closes a substitution resumes the template it belongs to.
 */
function findLineMagics(source: string, lines: string[]): Map<number, MagicPart> {
  const lineStarts: number[] = [];
  lines.reduce((offset, l) => (lineStarts.push(offset), offset + l.length + 1), 0);
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, true, ts.LanguageVariant.Standard, source);
  const open: ("bracket" | "substitution")[] = [];
  const magics = new Map<number, MagicPart>();
  let previous: Kind | null = null;
  for (let kind = scanner.scan(); kind !== K.EndOfFileToken; kind = scanner.scan()) {
    const start = scanner.getTokenPos();
    const line = lineOf(lineStarts, start);
    const magic =
      open.length === 0 &&
      endsStatement(previous) &&
      mayStartMagic(kind) &&
      firstOnLine(source, lineStarts[line], start)
        ? lineMagic(lines[line], line)
        : null;
    if (magic) {
      magics.set(line, magic);
      scanner.setTextPos(lineStarts[line] + lines[line].length);
      previous = K.SemicolonToken;
      continue;
    }
    previous = track(scanner, kind, previous, open);
  }
  return magics;
}

/** Follows brackets, templates and regex literals; returns the token's kind after any rescan. */
function track(scanner: Scanner, kind: Kind, previous: Kind | null, open: ("bracket" | "substitution")[]): Kind {
  if (kind === K.OpenBraceToken || kind === K.OpenParenToken || kind === K.OpenBracketToken) open.push("bracket");
  else if (kind === K.TemplateHead) open.push("substitution");
  else if (kind === K.CloseParenToken || kind === K.CloseBracketToken) open.pop();
  else if (kind === K.CloseBraceToken && open.pop() === "substitution") {
    const resumed = scanner.reScanTemplateToken(false);
    if (resumed === K.TemplateMiddle) open.push("substitution");
    return resumed;
  } else if (
    (kind === K.SlashToken || kind === K.SlashEqualsToken) &&
    !(previous !== null && endsExpression(previous))
  ) {
    return scanner.reScanSlashToken();
  }
  return kind;
}

function lineOf(lineStarts: number[], offset: number): number {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lineStarts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function firstOnLine(source: string, lineStart: number, tokenStart: number): boolean {
  return source.slice(lineStart, tokenStart).trim() === "";
}
