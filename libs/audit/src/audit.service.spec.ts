import { severityOf } from './audit-severity';

describe('severityOf', () => {
  it('is info by default and warning for refusals and failures', () => {
    expect(severityOf('block.read', undefined, 200)).toBe('info');
    expect(severityOf('block.read', undefined, 404)).toBe('warning');
    expect(severityOf('authz.denied', 'info', 403)).toBe('warning');
    expect(severityOf('auth.login_failed', undefined, null)).toBe('warning');
  });

  it('is critical for refresh reuse, lockouts and admin deletions whatever the caller says', () => {
    expect(severityOf('auth.refresh_reuse', 'warning', 401)).toBe('critical');
    expect(severityOf('auth.lockout', undefined, 429)).toBe('critical');
    expect(severityOf('user.delete', 'info', 204)).toBe('critical');
  });

  it('keeps a higher severity the caller asked for', () => {
    expect(severityOf('apikey.revoke', 'critical', 204)).toBe('critical');
  });
});
