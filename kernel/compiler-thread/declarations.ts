/**
 * What later cells may name after a cell that threw part-way, as in IPython: the names it bound
 * before the error keep its declarations; a name it did not reach keeps what it was before (its
 * earlier declaration), or stays undeclared if it is new, as Python would leave a NameError.
 */
import { typescript as ts, type Statement } from "./tslab-compiler";

/**
 * `declOutput` (tslab's declarations after the cell: the cell's own, then the earlier ones it did
 * not shadow) without the values in `unbound`: their variable declarators, functions, classes,
 * enums and namespaces. Types (interfaces, aliases) have no value to miss and are kept.
 */
function withoutUnboundValues(declOutput: string, unbound: ReadonlySet<string>): string {
  if (unbound.size === 0) return declOutput;
  const file = ts.createSourceFile("cell.d.ts", declOutput, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const kept = file.statements.flatMap((statement) => keptPart(statement, unbound));
  return ts.createPrinter({ newLine: ts.NewLineKind.LineFeed }).printFile(ts.factory.updateSourceFile(file, kept));
}

/** `declOutput` without the cell's declarations of `unbound`, with their earlier ones from `prevDecl`. */
export function withUnboundValuesRestored(declOutput: string, prevDecl: string, unbound: readonly string[]): string {
  if (unbound.length === 0) return declOutput;
  const names = new Set(unbound);
  const earlier = ts.createSourceFile("prev.d.ts", prevDecl, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const restored = earlier.statements.flatMap((statement) => {
    const kept = keptPart(statement, names);
    return kept.length === 1 && kept[0] === statement ? [] : [statement];
  });
  const printer = ts.createPrinter({ newLine: ts.NewLineKind.LineFeed });
  const restoredText = restored.length
    ? printer.printFile(
        ts.factory.updateSourceFile(
          earlier,
          restored.map((s) => onlyNamed(s, names)),
        ),
      )
    : "";
  return withoutUnboundValues(declOutput, names) + restoredText;
}

/** A statement of earlier declarations cut down to the declarators `names` has. */
function onlyNamed(statement: Statement, names: ReadonlySet<string>): Statement {
  if (!ts.isVariableStatement(statement)) return statement;
  const declarations = statement.declarationList.declarations.filter(
    (d) => ts.isIdentifier(d.name) && names.has(d.name.text),
  );
  return ts.factory.updateVariableStatement(
    statement,
    statement.modifiers,
    ts.factory.updateVariableDeclarationList(statement.declarationList, declarations),
  );
}

function keptPart(statement: Statement, unbound: ReadonlySet<string>): Statement[] {
  if (ts.isVariableStatement(statement)) {
    const declarations = statement.declarationList.declarations.filter(
      (d) => !(ts.isIdentifier(d.name) && unbound.has(d.name.text)),
    );
    if (declarations.length === statement.declarationList.declarations.length) return [statement];
    if (declarations.length === 0) return [];
    const list = ts.factory.updateVariableDeclarationList(statement.declarationList, declarations);
    return [ts.factory.updateVariableStatement(statement, statement.modifiers, list)];
  }
  const isValue =
    ts.isFunctionDeclaration(statement) ||
    ts.isClassDeclaration(statement) ||
    ts.isEnumDeclaration(statement) ||
    ts.isModuleDeclaration(statement);
  const name = isValue && statement.name && ts.isIdentifier(statement.name) ? statement.name.text : null;
  return name !== null && unbound.has(name) ? [] : [statement];
}
