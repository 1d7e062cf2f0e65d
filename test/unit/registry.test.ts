import { test } from "node:test";
import assert from "node:assert/strict";
import { defineMagic, helpText, MagicRegistry, parseMagicArgs } from "../../magics/core/registry";
import { MagicError } from "../../magics/core/context";

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
  assert.throws(() => parseMagicArgs(demo, "-z stmt"), (e: Error) => e instanceof MagicError && /%demo: option -z not recognized/.test(e.message));
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
  assert.throws(() => registry.get("lineonly", "cell"), /Cell magic function `%%lineonly` not found \(%lineonly exists/);
  assert.throws(() => registry.get("nosuch", "line"), /Line magic function `%nosuch` not found/);
});
