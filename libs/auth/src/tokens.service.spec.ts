import jwt from 'jsonwebtoken';
import type { AppConfig } from '@app/config';
import { TokensService } from './tokens.service';

const SECRET = 'unit-test-secret-that-is-long-enough-for-hs256';
const config = { jwtSecret: SECRET, accessTokenTtlSeconds: 900 } as AppConfig;
const claims = {
  sub: '01936b9e-3c1a-7b4e-9d2f-5a6b7c8d9e0f',
  sid: '01936b9e-3c1a-7b4e-9d2f-5a6b7c8d9e10',
  tid: '01936b9e-3c1a-7b4e-9d2f-5a6b7c8d9e11',
  role: 'user' as const,
};
const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');

describe('TokensService', () => {
  const tokens = new TokensService(config);

  it('signs HS256 access tokens with sub, sid, tid, role, jti, iat and exp', () => {
    const token = tokens.signAccessToken(claims);
    const header = JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString());
    expect(header).toEqual({ alg: 'HS256', typ: 'JWT' });
    const verified = tokens.verifyAccessToken(token);
    expect(verified).toMatchObject(claims);
    expect(verified!.exp - verified!.iat).toBe(900);
    expect(verified!.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(tokens.signAccessToken(claims)).not.toBe(token);
  });

  it('refuses alg none, HS512 (even with the right secret), a foreign key, tampering and expiry', () => {
    const token = tokens.signAccessToken(claims);
    const payload = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload)}.`;
    const hs512 = jwt.sign(payload, SECRET, { algorithm: 'HS512' });
    const foreign = jwt.sign(payload, 'x'.repeat(48), { algorithm: 'HS256' });
    const [h, , s] = token.split('.');
    const tampered = `${h}.${b64({ ...payload, role: 'admin' })}.${s}`;
    const expired = jwt.sign({ ...payload, exp: Math.floor(Date.now() / 1000) - 10 }, SECRET, {
      algorithm: 'HS256',
    });
    for (const bad of [none, hs512, foreign, tampered, expired, 'garbage', '']) {
      expect(tokens.verifyAccessToken(bad)).toBeNull();
    }
  });

  it('refuses a validly signed token whose claims have the wrong shape', () => {
    const wrong = jwt.sign({ ...claims, sub: 'not-a-uuid', jti: 'x' }, SECRET, {
      algorithm: 'HS256',
      expiresIn: 60,
    });
    expect(tokens.verifyAccessToken(wrong)).toBeNull();
    const noSid = jwt.sign({ sub: claims.sub, tid: claims.tid, role: 'user', jti: 'x' }, SECRET, {
      algorithm: 'HS256',
      expiresIn: 60,
    });
    expect(tokens.verifyAccessToken(noSid)).toBeNull();
  });

  it('makes 256-bit random refresh tokens and stores only their SHA-256', () => {
    const a = tokens.newRefreshToken();
    const b = tokens.newRefreshToken();
    expect(a).not.toBe(b);
    expect(Buffer.from(a, 'base64url')).toHaveLength(32);
    expect(tokens.hashRefreshToken(a)).toHaveLength(32);
    expect(tokens.hashRefreshToken(a).equals(tokens.hashRefreshToken(a))).toBe(true);
    expect(tokens.hashRefreshToken(a).equals(tokens.hashRefreshToken(b))).toBe(false);
  });

  it('seals a successor for the grace window and detects tampering', () => {
    const sealed = tokens.sealSuccessor('successor-token');
    expect(sealed.toString('utf8')).not.toContain('successor-token');
    expect(tokens.openSuccessor(sealed)).toBe('successor-token');
    const flipped = Buffer.from(sealed);
    flipped[flipped.length - 1] ^= 1;
    expect(tokens.openSuccessor(flipped)).toBeNull();
    const other = new TokensService({ ...config, jwtSecret: 'y'.repeat(40) });
    expect(other.openSuccessor(sealed)).toBeNull();
  });
});
