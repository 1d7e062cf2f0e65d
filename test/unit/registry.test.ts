import { test } from "node:test";
import assert from "node:assert/strict";
import {
  commandHelpText,
  defineMagic,
  helpText,
  MagicRegistry,
  parseCommandArgs,
  parseMagicArgs,
} from "../../magics/core/registry";
import { UsageError } from "../../magics/core/context";

const demo = defineMagic({
  name: "demo",
  forms: ["line", "cell"],
  summary: "A demo magic.",
  description: "Does nothing.",
  positional: "statement",
  options: {
    sort: { short: "s", type: "string", multiple: true, metavar: "KEY", help: "sort key" },
    limit: { short: "l", type: "integer", help: "row limit" },
    quiet: { short: "q", type: "boolean", help: "quiet" },
    ret: { short: "r", type: "boolean", help: "return" },
    unit: { short: "u", type: "number", help: "timer unit" },
    mode: { short: "m", type: "string", choices: ["a", "b"], help: "mode" },
  },
  async run() {},
});

test("options stop at the first word that is not an option; the rest is the statement, untouched", () => {
  const { options, rest } = parseMagicArgs(demo, `-s time -s cumulative -l 5 forward(x, -1, "a  b")`);
  assert.deepEqual(options.sort, ["time", "cumulative"]);
  assert.equal(options.limit, 5);
  assert.equal(options.quiet, false);
  assert.equal(rest, `forward(x, -1, "a  b")`);
});

test("getopt forms: combined flags, attached values, quoted values, --", () => {
  const parsed = parseMagicArgs(demo, `-qr -l10 -u 1e-3 -s "my key" -- -x + 1`);
  assert.equal(parsed.options.quiet, true);
  assert.equal(parsed.options.ret, true);
  assert.equal(parsed.options.limit, 10);
  assert.equal(parsed.options.unit, 0.001);
  assert.deepEqual(parsed.options.sort, ["my key"]);
  assert.equal(parsed.rest, "-x + 1");
});

test("a negative number starts the statement, not an option", () => {
  assert.equal(parseMagicArgs(demo, "-1 + x").rest, "-1 + x");
});

test("bad options give one clear UsageError naming the magic", () => {
  assert.throws(
    () => parseMagicArgs(demo, "-z stmt"),
    (e: Error) => e instanceof UsageError && /%demo: option -z not recognized/.test(e.message),
  );
  assert.throws(() => parseMagicArgs(demo, "-l many stmt"), /option -l expects an integer, got "many"/);
  assert.throws(() => parseMagicArgs(demo, "-l"), /option -l requires an argument/);
  assert.throws(() => parseMagicArgs(demo, "-m c x"), /invalid choice "c" \(choose from a, b\)/);
  assert.throws(() => parseMagicArgs(demo, "--sort x"), /unrecognized option --sort/);
});

test("-h asks for help", () => {
  assert.equal(parseMagicArgs(demo, "-h").help, true);
});

test("help text comes from the declaration", () => {
  const text = helpText(demo);
  assert.match(text, /^%demo \[-s KEY\] \[-l N\] \[-q\] \[-r\] \[-u N\] \[-m VALUE\] statement\n%%demo /);
  assert.match(text, /-s KEY +sort key \(repeatable\)/);
  assert.match(text, /-m VALUE +mode \(one of: a, b\)/);
});

test("the registry knows forms and explains a missing magic", () => {
  const registry = new MagicRegistry();
  registry.register(defineMagic({ ...demo, name: "lineonly", forms: ["line"] }));
  assert.deepEqual(registry.names("line"), ["lineonly"]);
  assert.deepEqual(registry.names("cell"), []);
  assert.throws(
    () => registry.get("lineonly", "cell"),
    /Cell magic function `%%lineonly` not found \(%lineonly exists/,
  );
  assert.throws(() => registry.get("nosuch", "line"), /Line magic function `%nosuch` not found/);
});

const OWN = {
  html: { long: "html", type: "string", metavar: "FILE", help: "report" },
  check: { long: "check", type: "boolean", help: "check" },
} as const;
const CLI = { name: "tsprof demo", helpHint: "tsprof demo --help" };

test("the command form parses argv with the magic's declaration: its options, the command's long ones, and the words from the script on untouched", () => {
  const { options, rest, help } = parseCommandArgs(
    demo,
    OWN,
    ["-s", "time", "-l5", "--html=r.html", "--check", "script.ts", "a b", "-s", "--html"],
    CLI,
  );
  assert.deepEqual(options.sort, ["time"]);
  assert.equal(options.limit, 5);
  assert.equal(options.html, "r.html");
  assert.equal(options.check, true);
  assert.deepEqual(rest, ["script.ts", "a b", "-s", "--html"]);
  assert.equal(help, false);
  assert.equal(parseCommandArgs(demo, OWN, ["--html", "out.html", "x.ts"], CLI).options.html, "out.html");
});

test("the command form's errors are the magic's, naming the command; options only for notebooks are not taken", () => {
  const notebookOnly = defineMagic({
    name: "demo",
    forms: ["line"],
    summary: "A demo magic.",
    description: "Does nothing.",
    positional: "statement",
    options: { ret: { short: "r", type: "boolean", notebookOnly: true, help: "return" } },
    async run() {},
  });
  assert.throws(
    () => parseCommandArgs(notebookOnly, OWN, ["-r", "x.ts"], CLI),
    /^UsageError: tsprof demo: option -r not recognized\. Run tsprof demo --help for help\.$/,
  );
  assert.equal(parseCommandArgs(notebookOnly, OWN, ["x.ts"], CLI).options.ret, false);
  assert.throws(() => parseCommandArgs(demo, OWN, ["--nope", "x.ts"], CLI), /tsprof demo: unrecognized option --nope/);
  assert.throws(() => parseCommandArgs(demo, OWN, ["--check=yes"], CLI), /option --check takes no value/);
  assert.throws(() => parseCommandArgs(demo, OWN, ["--html"], CLI), /option --html requires an argument \(FILE\)/);
  assert.throws(
    () => parseCommandArgs(demo, OWN, ["-l", "many"], CLI),
    /tsprof demo: option -l expects an integer, got "many"/,
  );
  const help = commandHelpText(notebookOnly, "tsprof demo [options] script", "Runs a script.", OWN);
  assert.match(help, /^usage: tsprof demo \[options\] script\n/);
  assert.match(help, /^  --html FILE +report$/m);
  assert.doesNotMatch(help, /^  -r /m);
});
