"""The official Jupyter kernel conformance suite (jupyter_kernel_test) run against tsprof.

Every test the suite offers gets a TypeScript sample here. Run from the Node test
test/e2e/conformance.test.ts, which installs the kernelspec into a temporary prefix and
points JUPYTER_PATH at it. The same samples also run against tslab's own kernel, as it ships
(TSPROF_CONFORMANCE_KERNEL names that kernelspec), for the side-by-side the test prints.
"""
import os
import unittest

import jupyter_kernel_test


class TsprofKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = os.environ.get("TSPROF_CONFORMANCE_KERNEL", "tsprof")
    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = 'console.log("hello, world");'
    code_stderr = 'console.error("something went wrong");'

    # Names from the cell being completed, standard library members, and magics.
    completion_samples = [
        {"text": "const conformanceValue = 1;\nconformanceVa", "matches": {"conformanceValue"}},
        {"text": "Math.ma", "matches": {"max"}},
        {"text": "[1, 2].fil", "matches": {"fill", "filter"}},
        {"text": "%lsma", "matches": {"%lsmagic"}},
    ]

    complete_code_samples = ["1 + 1", "const a = 1;", "function f(x: number) {\n  return x;\n}", "%lsmagic", "%prun f(1)\nf(2)"]
    incomplete_code_samples = ["function f(x: number) {", "const xs = [1,", "if (true) {\n  console.log(1);"]
    invalid_code_samples = ["let = ;", "1 +* 2", "const x = 1;\n)"]

    # Magic help goes to the pager, as `%magic?` does in IPython.
    code_page_something = "%prun?"

    code_generate_error = 'throw new Error("expected failure");'

    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": "'type' + 'script'", "result": "'typescript'"},
        {"code": "[1, 2, 3].map((x) => x * 2)", "result": "[ 2, 4, 6 ]"},
        {"code": "const answer: number = 40;\nanswer + 2", "result": "42"},
    ]

    code_display_data = [
        {"code": 'import * as tsprof from "tsprof";\ntsprof.display.html("<b>bold</b>");', "mime": "text/html"},
        {"code": 'import * as tsprof from "tsprof";\ntsprof.display.markdown("**bold**");', "mime": "text/markdown"},
        {"code": 'import * as tslab from "tslab";\ntslab.display.svg("<svg></svg>");', "mime": "image/svg+xml"},
    ]

    # A glob matching exactly one of code_execute_result's inputs.
    code_history_pattern = "6 * 7"
    supported_history_operations = ("tail", "range", "search")

    code_inspect_sample = "Math.max"

    code_clear_output = 'import * as tsprof from "tsprof";\nconsole.log("soon gone");\ntsprof.display.clear();'


if __name__ == "__main__":
    unittest.main()
