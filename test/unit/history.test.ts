import { test } from "node:test";
import assert from "node:assert/strict";
import { History } from "../../kernel/jupyter/history";

test("tail, range and glob search like IPython's history", () => {
  const h = new History();
  ["let a = 1", "a + 1", "let b = 2", "a + 1"].forEach((code, i) => h.add(i + 1, code));
  assert.deepEqual(h.query({ hist_access_type: "tail", n: 2 }), [
    [1, 3, "let b = 2"],
    [1, 4, "a + 1"],
  ]);
  assert.deepEqual(h.query({ hist_access_type: "range", start: 2, stop: 4 }), [
    [1, 2, "a + 1"],
    [1, 3, "let b = 2"],
  ]);
  assert.deepEqual(h.query({ hist_access_type: "search", pattern: "let *" }), [
    [1, 1, "let a = 1"],
    [1, 3, "let b = 2"],
  ]);
  assert.deepEqual(h.query({ hist_access_type: "search", pattern: "a ? 1", unique: true }), [[1, 2, "a + 1"]]);
});

test("with output, each entry holds the input and the text of its result (null if none)", () => {
  const h = new History();
  h.add(1, "let a = 1");
  h.add(2, "a + 1");
  h.setOutput(2, "2");
  assert.deepEqual(h.query({ hist_access_type: "tail", n: 2, output: true }), [
    [1, 1, ["let a = 1", null]],
    [1, 2, ["a + 1", "2"]],
  ]);
  assert.deepEqual(
    h.query({ hist_access_type: "range", session: 2, start: 1, stop: 3 }),
    [],
    "no earlier sessions are kept",
  );
});
