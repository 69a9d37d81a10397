import { redact } from './redact';

describe('redact', () => {
  it('censors fields named like passwords, tokens, secrets, keys and cookies at any depth', () => {
    const out = redact({
      user: { name: 'ann', password: 'hunter2hunter2', newPassword: 'x' },
      headers: { authorization: 'Bearer abc', 'x-api-key': 'cb_x', cookie: 'sid=1', accept: '*/*' },
      refreshToken: 'r',
      list: [{ clientSecret: 's', ok: 1 }],
      apiKey: { id: 1 },
    }) as Record<string, any>;
    expect(out.user).toEqual({ name: 'ann', password: '[redacted]', newPassword: '[redacted]' });
    expect(out.headers).toEqual({
      authorization: '[redacted]',
      'x-api-key': '[redacted]',
      cookie: '[redacted]',
      accept: '*/*',
    });
    expect(out.refreshToken).toBe('[redacted]');
    expect(out.list).toEqual([{ clientSecret: '[redacted]', ok: 1 }]);
    expect(out.apiKey).toBe('[redacted]');
  });

  it('keeps errors readable and survives cycles', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(redact(cyclic)).toEqual({ a: 1, self: '[truncated]' });
    const err = redact({ err: new Error('boom') }) as { err: { message: string; stack: string } };
    expect(err.err.message).toBe('boom');
    expect(err.err.stack).toContain('Error: boom');
  });

  it('returns what it need not change and copies only what it changes', () => {
    const clean = { route: '/api/blocks/:id', status: 200, nested: { list: [1, 'a'] } };
    expect(redact(clean)).toBe(clean);
    const input = { a: { b: 1 }, c: { password: 'p' }, d: [{ ok: 1 }, { token: 't' }] };
    const out = redact(input) as typeof input;
    expect(out).toEqual({
      a: { b: 1 },
      c: { password: '[redacted]' },
      d: [{ ok: 1 }, { token: '[redacted]' }],
    });
    expect(out.a).toBe(input.a);
    expect(out.d[0]).toBe(input.d[0]);
    expect(input.c.password).toBe('p');
    expect(redact({ at: new Date(0) })).toEqual({ at: {} });
  });
});
