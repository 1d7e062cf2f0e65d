/**
 * IPython's front-end help for magics, from their declarations: Shift-Tab (`inspect_request`) on a
 * magic or one of its options, Tab after `%name -` for the options.
 * See docs/how-it-works.md, "The Jupyter side".
 */
import {
  HELP_OPTION,
  helpText,
  optionFlag,
  optionHelp,
  parseMagicArgs,
  type MagicForm,
  type MagicRegistry,
  type MagicSpec,
  type OptionSpec,
} from "./registry";

/** `%name`, `%%name`, or a line magic assigned as IPython allows (`const t = %timeit -o f()`). */
const MAGIC_START = /^(\s*(?:(?:(?:const|let|var)\s+)?[A-Za-z_$][\w$]*\s*=\s*)?)(%%?)([A-Za-z_]\w*)/;

interface MagicLine {
  spec: MagicSpec<any>;
  /** The line's text up to the cursor. */
  before: string;
  /** The line's text from the cursor. */
  after: string;
  /** Where on the line the `%` is, and where the name ends. */
  nameStart: number;
  nameEnd: number;
}

function magicLineAt(registry: MagicRegistry, code: string, cursor: number): MagicLine | null {
  const lineStart = code.lastIndexOf("\n", cursor - 1) + 1;
  const lineEnd = code.indexOf("\n", cursor);
  const line = code.slice(lineStart, lineEnd < 0 ? code.length : lineEnd);
  const m = MAGIC_START.exec(line);
  if (!m) return null;
  const form: MagicForm = m[2] === "%%" ? "cell" : "line";
  const spec = registry.all().find((s) => s.name === m[3] && s.forms.includes(form));
  if (!spec) return null;
  const at = cursor - lineStart;
  return { spec, before: line.slice(0, at), after: line.slice(at), nameStart: m[1].length, nameEnd: m[0].length };
}

function optionsOf(spec: MagicSpec<any>): OptionSpec[] {
  return [...(Object.values(spec.options) as OptionSpec[]), HELP_OPTION];
}

/** The `-x` word the cursor is in or just after, if it stands among the options (before the statement). */
function optionWordAt(line: MagicLine): string | null {
  const start = /(?:^|\s)(-\w*)$/.exec(line.before);
  if (!start || start.index < line.nameEnd || !amongOptions(line, line.before.length - start[1].length)) return null;
  return start[1] + (/^\w*/.exec(line.after)?.[0] ?? "");
}

/** Everything between the name and `wordStart` parses as options: the word is not yet in the statement. */
function amongOptions(line: MagicLine, wordStart: number): boolean {
  try {
    return parseMagicArgs(line.spec, line.before.slice(line.nameEnd, wordStart)).rest === "";
  } catch {
    return false;
  }
}

/** Shift-Tab's answer on a magic's line: its help on the name, an option's line on the option; null elsewhere. */
export function inspectMagic(registry: MagicRegistry, code: string, cursor: number): string | null {
  const line = magicLineAt(registry, code, cursor);
  if (!line) return null;
  const at = line.before.length;
  if (at >= line.nameStart && at <= line.nameEnd) return helpText(line.spec);
  const word = optionWordAt(line);
  const option = word && optionsOf(line.spec).find((o) => `-${o.short}` === word);
  return option ? `%${line.spec.name} ${optionFlag(option)}: ${optionHelp(option)}` : null;
}

export interface OptionCompletions {
  matches: string[];
  cursorStart: number;
  /** Jupyter's completion metadata: per match its type and one-line help (`signature`). */
  types: { start: number; end: number; text: string; type: string; signature: string }[];
}

/** Tab on a `-` word after a magic's name: the magic's options; null when the cursor is not there. */
export function completeMagicOption(registry: MagicRegistry, code: string, cursor: number): OptionCompletions | null {
  const line = magicLineAt(registry, code, cursor);
  const typed = line && line.after.match(/^\w/) === null ? optionWordAt(line) : null;
  if (!line || typed === null) return null;
  const cursorStart = cursor - typed.length;
  const options = optionsOf(line.spec).filter((o) => `-${o.short}`.startsWith(typed));
  return {
    matches: options.map((o) => `-${o.short}`),
    cursorStart,
    types: options.map((o) => ({
      start: cursorStart,
      end: cursor,
      text: `-${o.short}`,
      type: "option",
      signature: `${optionFlag(o)}: ${optionHelp(o)}`,
    })),
  };
}
