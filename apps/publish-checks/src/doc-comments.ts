/**
 * Which exports of each package's main entry carry no doc comment: one TypeScript program over
 * every package's src/index.ts, each export followed through re-exports to its declaration.
 */
import ts from 'typescript';

/** Export name -> whether its declaration has a doc comment, per entry file. */
export function undocumented(entries: string[]): Record<string, string[]> {
  const program = ts.createProgram(entries, {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  });
  const checker = program.getTypeChecker();
  const out: Record<string, string[]> = {};
  for (const entry of entries) {
    const sf = program.getSourceFile(entry);
    if (!sf) throw new Error(`${entry} is not in the program`);
    const mod = checker.getSymbolAtLocation(sf);
    if (!mod) throw new Error(`${entry} is not a module`);
    out[entry] = checker
      .getExportsOfModule(mod)
      .filter((s) => {
        const target = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
        const decls = target.getDeclarations() ?? [];
        return !decls.some((d) => ts.getJSDocCommentsAndTags(d).length > 0 || hasDocOnStatement(d));
      })
      .map((s) => s.getName())
      .sort();
  }
  return out;
}

/** `/** doc *\/ export const a = ...`: the comment sits on the variable statement. */
function hasDocOnStatement(d: ts.Declaration): boolean {
  let n: ts.Node | undefined = d;
  while (n && !ts.isVariableStatement(n) && !ts.isSourceFile(n)) n = n.parent;
  return !!n && ts.isVariableStatement(n) && ts.getJSDocCommentsAndTags(n).length > 0;
}
