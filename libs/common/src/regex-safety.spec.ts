import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { checkSync } from 'recheck';
import ts from 'typescript';

const ROOT = join(__dirname, '../../..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** Every regular-expression literal in the application code, and any RegExp built at run time. */
function regexLiterals(): Array<{ where: string; source: string; flags: string }> {
  const found: Array<{ where: string; source: string; flags: string }> = [];
  for (const file of [...sourceFiles(join(ROOT, 'apps')), ...sourceFiles(join(ROOT, 'libs'))]) {
    const text = readFileSync(file, 'utf8');
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      const where = `${relative(ROOT, file)}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
      if (ts.isRegularExpressionLiteral(node)) {
        const literal = node.text;
        const end = literal.lastIndexOf('/');
        found.push({ where, source: literal.slice(1, end), flags: literal.slice(end + 1) });
      }
      if (
        (ts.isNewExpression(node) || ts.isCallExpression(node)) &&
        ts.isIdentifier(node.expression) &&
        node.expression.text === 'RegExp'
      ) {
        found.push({ where, source: '<built at run time>', flags: '' });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

describe('regular expressions', () => {
  const literals = regexLiterals();

  it('finds the patterns it audits (the scan itself works)', () => {
    expect(literals.length).toBeGreaterThan(20);
    expect(literals.map((l) => l.source)).toContain('[&<>"\']');
  });

  it('builds none at run time (each must be a literal this audit can check)', () => {
    expect(literals.filter((l) => l.source === '<built at run time>')).toEqual([]);
  });

  // recheck decides each pattern's worst-case matching time by automaton analysis (or, for
  // lookarounds and back-references, by attack-string fuzzing): no timing of our own.
  it('has no pattern that is super-linear on any input (recheck)', () => {
    const unsafe = literals
      .filter((l) => l.source !== '<built at run time>')
      .map((l) => ({ ...l, result: checkSync(l.source, l.flags, { timeout: 10_000 }) }))
      .filter(({ result }) => result.status !== 'safe')
      .map(({ where, source, result }) => `${where} /${source}/ ${result.status}`);
    expect(unsafe).toEqual([]);
  });

  it('flags the audit trail JWT pattern as it was (the checker sees the quadratic case)', () => {
    const before = String.raw`\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}`;
    expect(checkSync(before, 'g').status).toBe('vulnerable');
  });
});
