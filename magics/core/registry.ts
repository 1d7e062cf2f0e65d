/**
 * Declarative magics, in the spirit of IPython's `magic_arguments`: a magic declares its name,
 * the forms it takes (`%name` and/or `%%name`), its options and its help once; parsing, the
 * help text (`%name?`, `%name -h`) and error messages all come from that declaration.
 */
import type { MagicContext } from "./context";
import { UsageError } from "./context";

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
  /** Only in a notebook: the command line (`tsprof prun …`) does not take it (it returns a value to the cell). */
  notebookOnly?: boolean;
}

export type OptionSpecs = Record<string, OptionSpec>;

/** An option of the command line only (`--html FILE`): long, as commands' own options are. */
export interface LongOptionSpec extends Omit<OptionSpec, "short" | "notebookOnly"> {
  long: string;
}

export type LongOptionSpecs = Record<string, LongOptionSpec>;

/** How errors and help name what was run: `%prun` and `%prun?`, or `tsprof prun` and `tsprof prun --help`. */
export interface Invocation {
  name: string;
  helpHint: string;
}

/** What parsing needs to know of an option's value. */
type ValueShape = Pick<OptionSpec, "type" | "multiple">;

type ValueOf<S extends ValueShape> = S["type"] extends "boolean"
  ? boolean
  : S["type"] extends "string"
    ? string
    : number;

/** Parsed options: booleans are always present, repeatable options are arrays, others optional. */
export type ParsedOptions<O extends Record<string, ValueShape>> = {
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
      throw new UsageError(
        `${form === "cell" ? "Cell" : "Line"} magic function \`${prefix}${name}\` not ` +
          `found${other}. Run %lsmagic to list the magics.`,
      );
    }
    return spec;
  }

  names(form: MagicForm): string[] {
    return [...this.magics.values()]
      .filter((m) => m.forms.includes(form))
      .map((m) => m.name)
      .sort();
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
  return [
    ...usageLines(spec),
    "",
    spec.summary,
    "",
    spec.description.trim(),
    "",
    ...optionList([HELP_OPTION, ...optionsOf(spec)]),
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
  return Object.values(spec.options) as OptionSpec[];
}

/**
 * The help of the command form of a magic (`tsprof prun --help`): its usage, what it does, and the
 * magic's options it takes beside its own.
 */
export function commandHelpText(
  spec: MagicSpec<any>,
  usage: string,
  description: string,
  own: LongOptionSpecs,
): string {
  const options = [HELP_OPTION, ...commandOptions(spec), ...Object.values(own)];
  return [`usage: ${usage}`, "", spec.summary, "", description.trim(), "", ...optionList(options)].join("\n");
}

function optionList(options: (OptionSpec | LongOptionSpec)[]): string[] {
  return ["options:", ...options.map((o) => `  ${optionFlag(o).padEnd(14)} ${optionHelp(o)}`), ""];
}

/** The magic's options the command line takes too. */
export function commandOptions(spec: MagicSpec<any>): OptionSpec[] {
  return optionsOf(spec).filter((o) => !o.notebookOnly);
}

/** `-s KEY` (or `--html FILE`): the flag with its value's placeholder, as the usage line and option list show it. */
export function optionFlag(o: OptionSpec | LongOptionSpec): string {
  const flag = "long" in o ? `--${o.long}` : `-${o.short}`;
  return `${flag}${o.type === "boolean" ? "" : " " + metavarOf(o)}`;
}

/** The option's one-line help, with whether it repeats and the values it takes. */
export function optionHelp(o: OptionSpec | LongOptionSpec): string {
  const extra = [o.multiple ? "repeatable" : "", o.choices ? `one of: ${o.choices.join(", ")}` : ""].filter(Boolean);
  return `${o.help}${extra.length ? ` (${extra.join("; ")})` : ""}`;
}

/** The help option every magic takes, in the same shape as its declared ones. */
export const HELP_OPTION: OptionSpec = { short: "h", type: "boolean", help: "show this help" };

function metavarOf(o: OptionSpec | LongOptionSpec): string {
  return o.metavar ?? (o.type === "string" ? "VALUE" : "N");
}

/** Splits the text after `%name` into options and the rest, the way IPython's getopt does. */
export function parseMagicArgs<O extends OptionSpecs>(
  spec: MagicSpec<O>,
  text: string,
): { options: ParsedOptions<O>; rest: string; help: boolean } {
  const scanner = new TokenScanner(text);
  const { values, help } = parseOptions(spec.options, {}, scanner, {
    name: `%${spec.name}`,
    helpHint: `%${spec.name}?`,
  });
  return { options: values as ParsedOptions<O>, rest: scanner.remainder().trim(), help };
}

/**
 * The command form (`tsprof prun [options] script args…`): the magic's options (those not
 * `notebookOnly`) and the command's own long ones, up to the first word that is not an option;
 * the words from there on are the rest, untouched. Errors are the magic's, naming the command.
 */
export function parseCommandArgs<O extends OptionSpecs, L extends LongOptionSpecs>(
  spec: MagicSpec<O>,
  own: L,
  argv: readonly string[],
  invocation: Invocation,
): { options: ParsedOptions<O> & ParsedOptions<L>; rest: string[]; help: boolean } {
  const shortOnes = Object.fromEntries(Object.entries(spec.options).filter(([, o]) => !o.notebookOnly));
  const scanner = new ArgvScanner(argv);
  const { values, help } = parseOptions(shortOnes, own, scanner, invocation);
  for (const [key, o] of Object.entries(spec.options)) if (o.notebookOnly) values[key] = initialValue(o);
  return { options: values as any, rest: scanner.remainder(), help };
}

interface Scanner {
  peek(): string | null;
  next(): string | null;
}

function parseOptions(
  options: OptionSpecs,
  long: LongOptionSpecs,
  scanner: Scanner,
  invocation: Invocation,
): { values: Record<string, unknown>; help: boolean } {
  const byShort = new Map<string, [string, OptionSpec]>();
  for (const [key, o] of Object.entries(options)) byShort.set(o.short, [key, o]);
  const values: Record<string, unknown> = initialValues({ ...options, ...long });
  const fail = (what: string) => new UsageError(`${invocation.name}: ${what}. Run ${invocation.helpHint} for help.`);
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
    if (token.startsWith("--")) {
      takeLongOption(long, token, scanner, values, fail);
      continue;
    }
    // getopt: "-qr" is -q -r; "-s10" and "-s 10" both give -s the value 10.
    for (let i = 1; i < token.length; i++) {
      const flag = token[i];
      if (flag === "h") {
        help = true;
        continue;
      }
      const entry = byShort.get(flag);
      if (!entry) throw fail(`option -${flag} not recognized`);
      const [key, option] = entry;
      if (option.type === "boolean") {
        values[key] = true;
        continue;
      }
      const attached = token.slice(i + 1);
      const raw = attached !== "" ? attached : scanner.next();
      if (raw === null) throw fail(`option -${flag} requires an argument (${metavarOf(option)})`);
      store(values, key, option, convert(`-${flag}`, option, raw, fail));
      break;
    }
  }
  return { values, help };
}

/** `--name`, `--name VALUE` or `--name=VALUE`, for the options declared with a long name. */
function takeLongOption(
  long: LongOptionSpecs,
  token: string,
  scanner: Scanner,
  values: Record<string, unknown>,
  fail: (what: string) => UsageError,
): void {
  const [name, attached] = token.slice(2).split(/=(.*)/s);
  const entry = Object.entries(long).find(([, o]) => o.long === name);
  if (!entry) throw fail(`unrecognized option --${name}`);
  const [key, option] = entry;
  if (option.type === "boolean") {
    if (attached !== undefined) throw fail(`option --${name} takes no value`);
    values[key] = true;
    return;
  }
  const raw = attached ?? scanner.next();
  if (raw === null) throw fail(`option --${name} requires an argument (${metavarOf(option)})`);
  store(values, key, option, convert(`--${name}`, option, raw, fail));
}

function initialValues(options: Record<string, OptionSpec | LongOptionSpec>): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [key, o] of Object.entries(options)) values[key] = initialValue(o);
  return values;
}

function initialValue(o: OptionSpec | LongOptionSpec): unknown {
  return o.type === "boolean" ? false : o.multiple ? [] : undefined;
}

function store(
  values: Record<string, unknown>,
  key: string,
  option: OptionSpec | LongOptionSpec,
  value: unknown,
): void {
  if (option.multiple) (values[key] as unknown[]).push(value);
  else values[key] = value;
}

function convert(
  flag: string,
  option: OptionSpec | LongOptionSpec,
  raw: string,
  fail: (what: string) => UsageError,
): string | number {
  if (option.type === "string") {
    if (option.choices && !option.choices.includes(raw)) {
      throw fail(`option ${flag}: invalid choice ${JSON.stringify(raw)} (choose from ${option.choices.join(", ")})`);
    }
    return raw;
  }
  const n = Number(raw);
  const ok = raw.trim() !== "" && Number.isFinite(n) && (option.type === "number" || Number.isInteger(n));
  if (!ok)
    throw fail(
      `option ${flag} expects ${option.type === "integer" ? "an integer" : "a number"}, got ${JSON.stringify(raw)}`,
    );
  return n;
}

/** The command line's words, already split by the shell. */
class ArgvScanner implements Scanner {
  private pos = 0;
  constructor(private readonly argv: readonly string[]) {}

  peek(): string | null {
    return this.argv[this.pos] ?? null;
  }

  next(): string | null {
    return this.argv[this.pos++] ?? null;
  }

  remainder(): string[] {
    return this.argv.slice(this.pos);
  }
}

/** Reads whitespace-separated, optionally quoted tokens while keeping the raw remainder. */
class TokenScanner implements Scanner {
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
        if (end < 0) throw new UsageError(`unterminated quote in ${JSON.stringify(this.text)}`);
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
