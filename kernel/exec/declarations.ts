/**
 * What later cells may name after a cell that threw part-way. tslab carries a cell's declarations
 * to the next cells only when it ran to the end, so `const data = load(); train(data)` with a
 * throwing `train` left `data` computed but unnamable ("Cannot find name 'data'"), unlike IPython,
 * where names bound before the error stay. And the cell's compiled code first sets every name it
 * declares to undefined (`exports.data = void 0`), so a name redeclared after the throw had lost
 * its old value while its old declaration lived on. Here the cell's declarations are kept for the
 * names it did bind and dropped for those it did not, as Python would leave a NameError.
 */
import { typescript as ts, type Statement } from "./tslab-compiler";


/**
 * `declOutput` (tslab's declarations after the cell: the cell's own, then the earlier ones it did
 * not shadow) without the values in `unbound`: their variable declarators, functions, classes,
 * enums and namespaces. Types (interfaces, aliases) have no value to miss and are kept.
 */
export function withoutUnboundValues(declOutput: string, unbound: ReadonlySet<string>): string {
  if (unbound.size === 0) return declOutput;
  const file = ts.createSourceFile("cell.d.ts", declOutput, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const kept = file.statements.flatMap((statement) => keptPart(statement, unbound));
  return ts.createPrinter({ newLine: ts.NewLineKind.LineFeed }).printFile(ts.factory.updateSourceFile(file, kept));
}

function keptPart(statement: Statement, unbound: ReadonlySet<string>): Statement[] {
  if (ts.isVariableStatement(statement)) {
    const declarations = statement.declarationList.declarations.filter((d) => !(ts.isIdentifier(d.name) && unbound.has(d.name.text)));
    if (declarations.length === statement.declarationList.declarations.length) return [statement];
    if (declarations.length === 0) return [];
    const list = ts.factory.updateVariableDeclarationList(statement.declarationList, declarations);
    return [ts.factory.updateVariableStatement(statement, statement.modifiers, list)];
  }
  const isValue = ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement) || ts.isEnumDeclaration(statement) || ts.isModuleDeclaration(statement);
  const name = isValue && statement.name && ts.isIdentifier(statement.name) ? statement.name.text : null;
  return name !== null && unbound.has(name) ? [] : [statement];
}
