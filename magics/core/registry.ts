/**
 * Declarative magics, in the spirit of IPython's `magic_arguments`: a magic declares its name,
 * the forms it takes (`%name` and/or `%%name`), its options and its help once; parsing, the
 * help text (`%name?`, `%name -h`) and error messages all come from that declaration.
 */
import type { MagicContext } from "./context";
import { MagicError } from "./context";

type OptionType = "boolean" | "string" | "number" | "integer";

export interface OptionSpec {
  /** The one-letter flag, as IPython's magics use them: "s" for `-s`. */
  short: string;
  type: OptionType;
  /** Repeatable: every occurrence is kept, in order. */
  multiple?: boolean;
  /** Placeholder for the value in the usage line (`-s KEY`). */
  metavar?: string;
  /** Allowed values of a string option. */
  choices?: readonly string[];
  help: string;
}

export type OptionSpecs = Record<string, OptionSpec>;

type ValueOf<S extends OptionSpec> = S["type"] extends "boolean"
  ? boolean
  : S["type"] extends "string"
    ? string
    : number;

/** Parsed options: booleans are always present, repeatable options are arrays, others optional. */
export type ParsedOptions<O extends OptionSpecs> = {
  [K in keyof O]: O[K]["type"] extends "boolean"
    ? boolean
    : O[K]["multiple"] extends true
      ? ValueOf<O[K]>[]
      : ValueOf<O[K]> | undefined;
};

export type MagicForm = "line" | "cell";

export interface MagicCall<O extends OptionSpecs> {
  form: MagicForm;
  options: ParsedOptions<O>;
  /** What follows the options on the magic's own line. */
  rest: string;
  /** The cell's body below a `%%magic` line; "" for a line magic. */
  body: string;
  /** The code to act on: `rest` for a line magic, `body` for a cell magic. */
  statement: string;
}

export interface MagicSpec<O extends OptionSpecs = OptionSpecs> {
  name: string;
  forms: readonly MagicForm[];
  /** One line, shown by %lsmagic's HTML view and at the top of the help. */
  summary: string;
  /** Paragraphs after the usage line in the help. */
  description: string;
  /** Name of the positional part in the usage line ("statement"); null when none is taken. */
  positional: string | null;
  options: O;
  run(ctx: MagicContext, call: MagicCall<O>): Promise<void>;
}

/** Declare a magic; the identity function exists so TypeScript infers the option types. */
export function defineMagic<const O extends OptionSpecs>(spec: MagicSpec<O>): MagicSpec<O> {
  return spec;
}

export class MagicRegistry {
  private readonly magics = new Map<string, MagicSpec<any>>();

  register(spec: MagicSpec<any>): void {
    if (this.magics.has(spec.name)) throw new Error(`magic %${spec.name} is registered twice`);
    this.magics.set(spec.name, spec);
  }

  get(name: string, form: MagicForm): MagicSpec<any> {
    const spec = this.magics.get(name);
    if (!spec || !spec.forms.includes(form)) {
      const prefix = form === "cell" ? "%%" : "%";
      const other = spec ? ` (%${form === "cell" ? "" : "%"}${name} exists: ${describeForms(spec)})` : "";
      throw new MagicError(`${form === "cell" ? "Cell" : "Line"} magic function \`${prefix}${name}\` not found${other}. Run %lsmagic to list the magics.`);
    }
    return spec;
  }

  names(form: MagicForm): string[] {
    return [...this.magics.values()].filter((m) => m.forms.includes(form)).map((m) => m.name).sort();
  }

  all(): MagicSpec<any>[] {
    return [...this.magics.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
}

function describeForms(spec: MagicSpec<any>): string {
  return spec.forms.map((f) => (f === "cell" ? "%%" : "%") + spec.name).join(" and ");
}

/** The usage line and option list, as `%name?` shows them. */
export function helpText(spec: MagicSpec<any>): string {
  const optionLines = [HELP_OPTION, ...optionsOf(spec)].map((o) => `  ${optionFlag(o).padEnd(14)} ${optionHelp(o)}`);
  return [
    ...usageLines(spec),
    "",
    spec.summary,
    "",
    spec.description.trim(),
    "",
    "options:",
    ...optionLines,
    "",
  ].join("\n");
}

/** One usage line per form: `%prun [-s KEY] … statement`, then `%%prun …`. */
export function usageLines(spec: MagicSpec<any>): string[] {
  const usageParts = optionsOf(spec).map((o) => `[${optionFlag(o)}]`);
  if (spec.positional) usageParts.push(spec.positional);
  return spec.forms.map((f) => `${f === "cell" ? "%%" : "%"}${spec.name} ${usageParts.join(" ")}`.trimEnd());
}

/** The magic's declared options, in declaration order (without -h, which every magic takes). */
export function optionsOf(spec: MagicSpec<any>): OptionSpec[] {
  return Object.values(spec.options);
}

/** `-s KEY`: the flag with its value's placeholder, as the usage line and option list show it. */
export function optionFlag(o: OptionSpec): string {
  return `-${o.short}${o.type === "boolean" ? "" : " " + metavarOf(o)}`;
}

/** The option's one-line help, with whether it repeats and the values it takes. */
export function optionHelp(o: OptionSpec): string {
  const extra = [o.multiple ? "repeatable" : "", o.choices ? `one of: ${o.choices.join(", ")}` : ""].filter(Boolean);
  return `${o.help}${extra.length ? ` (${extra.join("; ")})` : ""}`;
}

/** The help option every magic takes, in the same shape as its declared ones. */
export const HELP_OPTION: OptionSpec = { short: "h", type: "boolean", help: "show this help" };

function metavarOf(o: OptionSpec): string {
  return o.metavar ?? (o.type === "string" ? "VALUE" : "N");
}

/** Splits the text after `%name` into options and the rest, the way IPython's getopt does. */
export function parseMagicArgs<O extends OptionSpecs>(
  spec: MagicSpec<O>,
  text: string,
): { options: ParsedOptions<O>; rest: string; help: boolean } {
  const byShort = new Map<string, [string, OptionSpec]>();
  for (const [key, o] of Object.entries(spec.options)) byShort.set(o.short, [key, o]);
  const values: Record<string, unknown> = initialValues(spec.options);
  const scanner = new TokenScanner(text);
  let help = false;
  for (;;) {
    const token = scanner.peek();
    if (token === null || !token.startsWith("-") || token === "-" || /^-[\d.]/.test(token)) break;
    scanner.next();
    if (token === "--") break;
    if (token === "--help" || token === "-h") {
      help = true;
      continue;
    }
    if (token.startsWith("--")) throw usageError(spec, `unrecognized option ${token}`);
    // getopt: "-qr" is -q -r; "-s10" and "-s 10" both give -s the value 10.
    for (let i = 1; i < token.length; i++) {
      const flag = token[i];
      if (flag === "h") {
        help = true;
        continue;
      }
      const entry = byShort.get(flag);
      if (!entry) throw usageError(spec, `option -${flag} not recognized`);
      const [key, option] = entry;
      if (option.type === "boolean") {
        values[key] = true;
        continue;
      }
      const attached = token.slice(i + 1);
      const raw = attached !== "" ? attached : scanner.next();
      if (raw === null) throw usageError(spec, `option -${flag} requires an argument (${metavarOf(option)})`);
      store(values, key, option, convert(spec, flag, option, raw));
      break;
    }
  }
  return { options: values as ParsedOptions<O>, rest: scanner.remainder().trim(), help };
}

function initialValues(options: OptionSpecs): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [key, o] of Object.entries(options)) {
    values[key] = o.type === "boolean" ? false : o.multiple ? [] : undefined;
  }
  return values;
}

function store(values: Record<string, unknown>, key: string, option: OptionSpec, value: unknown): void {
  if (option.multiple) (values[key] as unknown[]).push(value);
  else values[key] = value;
}

function convert(spec: MagicSpec<any>, flag: string, option: OptionSpec, raw: string): string | number {
  if (option.type === "string") {
    if (option.choices && !option.choices.includes(raw)) {
      throw usageError(spec, `option -${flag}: invalid choice ${JSON.stringify(raw)} (choose from ${option.choices.join(", ")})`);
    }
    return raw;
  }
  const n = Number(raw);
  const ok = raw.trim() !== "" && Number.isFinite(n) && (option.type === "number" || Number.isInteger(n));
  if (!ok) throw usageError(spec, `option -${flag} expects ${option.type === "integer" ? "an integer" : "a number"}, got ${JSON.stringify(raw)}`);
  return n;
}

function usageError(spec: MagicSpec<any>, what: string): MagicError {
  return new MagicError(`%${spec.name}: ${what}. Run %${spec.name}? for help.`);
}

/** Reads whitespace-separated, optionally quoted tokens while keeping the raw remainder. */
class TokenScanner {
  private pos = 0;
  constructor(private readonly text: string) {}

  peek(): string | null {
    const saved = this.pos;
    const token = this.next();
    this.pos = saved;
    return token;
  }

  next(): string | null {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) this.pos++;
    if (this.pos >= this.text.length) return null;
    let token = "";
    while (this.pos < this.text.length && !/\s/.test(this.text[this.pos])) {
      const ch = this.text[this.pos];
      if (ch === '"' || ch === "'") {
        const end = this.text.indexOf(ch, this.pos + 1);
        if (end < 0) throw new MagicError(`unterminated quote in ${JSON.stringify(this.text)}`);
        token += this.text.slice(this.pos + 1, end);
        this.pos = end + 1;
      } else {
        token += ch;
        this.pos++;
      }
    }
    return token;
  }

  remainder(): string {
    return this.text.slice(this.pos);
  }
}
