import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { AUDIT_ACTIONS, actionPolicy } from './audit-actions';

/** Every non-test TypeScript source of the libraries and apps, except the action map itself. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') && path !== __filename
      ? [path]
      : [];
  });
}

describe('audit action map', () => {
  const root = join(__dirname, '..', '..', '..');
  const code = [...sources(join(root, 'libs')), ...sources(join(root, 'apps'))]
    .filter((path) => !path.endsWith('audit-actions.ts'))
    .map((path) => readFileSync(path, 'utf8'))
    .join('\n');

  it.each(Object.keys(AUDIT_ACTIONS))('%s is emitted somewhere (no dead keys)', (action) => {
    expect(code).toContain(`'${action}'`);
  });

  it('answers no policy for names it does not hold, prototype keys included', () => {
    expect(actionPolicy('thing.update')).toBeUndefined();
    expect(actionPolicy('constructor')).toBeUndefined();
    expect(actionPolicy('auth.lockout')).toEqual({
      floor: 'critical',
      attempt: { method: 'password', result: 'locked' },
    });
  });
});
