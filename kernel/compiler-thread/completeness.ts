/** `is_complete_request`: may the front end run this code, or should Enter add a line? */
import { converter, typescript as ts } from "./tslab-compiler";
import { splitCell } from "./split";

export interface IsCompleteReply {
  status: "complete" | "incomplete" | "invalid";
  indent?: string;
}

export function isComplete(code: string): IsCompleteReply {
  const codeOnly = splitCell(code)
    .filter((p) => p.kind === "code")
    .map((p) => (p.kind === "code" ? p.code : ""))
    .join("\n");
  const tslab = converter.isCompleteCode(codeOnly);
  if (!tslab.completed) return { status: "incomplete", indent: tslab.indent ?? "" };
  const { diagnostics } = ts.transpileModule(codeOnly, {
    reportDiagnostics: true,
    compilerOptions: { target: ts.ScriptTarget.ES2022 },
  });
  return diagnostics && diagnostics.length > 0 ? { status: "invalid" } : { status: "complete" };
}
