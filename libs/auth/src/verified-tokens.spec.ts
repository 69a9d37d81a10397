import type { AccessClaims } from './tokens.service';
import { VerifiedTokens } from './verified-tokens';

const claims = (exp: number): AccessClaims => ({
  sub: '0190a5c4-0000-7000-8000-000000000001',
  sid: '0190a5c4-0000-7000-8000-000000000002',
  tid: '0190a5c4-0000-7000-8000-000000000003',
  role: 'user',
  jti: 'j',
  iat: exp - 900,
  exp,
});

describe('VerifiedTokens', () => {
  it('returns the claims of a remembered token until its exp second, then forgets it', () => {
    const cache = new VerifiedTokens();
    const c = claims(2_000);
    cache.remember('a.b.c', c);
    expect(cache.claimsOf('a.b.c', 1_999_999)).toBe(c);
    expect(cache.claimsOf('a.b.c', 2_000_000)).toBeUndefined();
    expect(cache.claimsOf('a.b.c', 1_000_000)).toBeUndefined();
  });

  it('knows only the exact token text it was given', () => {
    const cache = new VerifiedTokens();
    cache.remember('a.b.c', claims(2_000));
    expect(cache.claimsOf('a.b.d', 1_000_000)).toBeUndefined();
    expect(cache.claimsOf('a.b.c ', 1_000_000)).toBeUndefined();
  });

  it('drops the oldest token past 10 000 entries', () => {
    const cache = new VerifiedTokens();
    for (let i = 0; i <= 10_000; i++) cache.remember(`t${i}`, claims(2_000));
    expect(cache.claimsOf('t0', 1_000_000)).toBeUndefined();
    expect(cache.claimsOf('t1', 1_000_000)).toBeDefined();
    expect(cache.claimsOf('t10000', 1_000_000)).toBeDefined();
  });
});
