import { cleanText, sanitizeChanges } from './sanitize';

describe('sanitizeChanges', () => {
  it('removes secrets by field name at any depth but keeps ids', () => {
    const out = sanitizeChanges({
      before: { password: 'hunter2hunter2', apiKeyId: 'k1', nested: { refreshToken: 't', ok: 1 } },
      after: { secretHash: 'abc', api_key_id: 'k2', key: 'sk_live', list: [{ token: 'x' }] },
    });
    expect(out).toEqual({
      before: {
        password: '[redacted]',
        apiKeyId: 'k1',
        nested: { refreshToken: '[redacted]', ok: 1 },
      },
      after: {
        secretHash: '[redacted]',
        api_key_id: 'k2',
        key: '[redacted]',
        list: [{ token: '[redacted]' }],
      },
    });
  });

  it('still removes tokens after any separator a token cannot contain', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTYifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
    for (const before of ['', ' ', '"', '=', ':', 'Bearer ', '(', '\n']) {
      expect(cleanText(`${before}${jwt} tail`)).toBe(`${before}[redacted] tail`);
    }
    // A run of token characters with no dots is left alone (and no longer scanned per `-eyJ`).
    const hostile = '-eyJ'.repeat(10_000);
    expect(cleanText(hostile)).toBe(hostile);
  });

  it('removes bearer tokens wherever they appear', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTYifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
    expect(sanitizeChanges({ before: null, after: { note: `see ${jwt}` } })).toEqual({
      before: null,
      after: { note: 'see [redacted]' },
    });
  });

  it('reduces values to what jsonb stores: no NUL, no lone surrogates, dates as strings', () => {
    const out = sanitizeChanges({
      before: { t: new Date('2026-01-01T00:00:00Z'), u: undefined },
      after: { s: 'a\u0000b\uD800c', n: 10n },
    });
    expect(out).toEqual({
      before: { t: '2026-01-01T00:00:00.000Z' },
      after: { s: 'ab\uFFFDc', n: '10' },
    });
  });

  it('bounds long strings', () => {
    expect(cleanText('x'.repeat(20), 10)).toBe(`${'x'.repeat(10)}…[10 more characters]`);
  });
});
