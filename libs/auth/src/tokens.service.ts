import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createSecretKey,
  hkdfSync,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { Injectable } from '@nestjs/common';
import jwt from 'jsonwebtoken';
import { v7 as uuidv7 } from 'uuid';
import { type Role, isUuid } from '@app/common';
import { AppConfig } from '@app/config';

/** Claims of an access token. */
export interface AccessClaims {
  sub: string;
  sid: string;
  tid: string;
  role: Role;
  jti: string;
  iat: number;
  exp: number;
}

export const JWT_ALGORITHM = 'HS256';

/**
 * Access tokens (HS256 JWT, algorithm pinned, signed and verified with a pre-built KeyObject)
 * and refresh tokens (opaque random strings; only their SHA-256 is stored).
 */
@Injectable()
export class TokensService {
  /** A KeyObject: jsonwebtoken re-derives a string secret on every call (~46x slower). */
  readonly signingKey: KeyObject;
  private readonly successorKey: Buffer;

  constructor(private readonly config: AppConfig) {
    const secret = Buffer.from(config.jwtSecret, 'utf8');
    this.signingKey = createSecretKey(secret);
    this.successorKey = Buffer.from(
      hkdfSync('sha256', secret, Buffer.alloc(0), 'content-blocks refresh successor', 32),
    );
  }

  signAccessToken(claims: { sub: string; sid: string; tid: string; role: Role }): string {
    return jwt.sign({ ...claims, jti: uuidv7() }, this.signingKey, {
      algorithm: JWT_ALGORITHM,
      expiresIn: this.config.accessTokenTtlSeconds,
    });
  }

  /** Verifies signature (HS256 only), expiry and claim shapes; null when anything is off. */
  verifyAccessToken(token: string): AccessClaims | null {
    try {
      const payload = jwt.verify(token, this.signingKey, { algorithms: [JWT_ALGORITHM] });
      return isAccessClaims(payload) ? payload : null;
    } catch {
      return null;
    }
  }

  /** 256 random bits, base64url. */
  newRefreshToken(): string {
    return randomBytes(32).toString('base64url');
  }

  hashRefreshToken(token: string): Buffer {
    return createHash('sha256').update(token, 'utf8').digest();
  }

  /** Encrypts a successor refresh token for the reuse grace window (AES-256-GCM). */
  sealSuccessor(token: string): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.successorKey, iv);
    const body = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  }

  openSuccessor(sealed: Buffer): string | null {
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.successorKey, sealed.subarray(0, 12));
      decipher.setAuthTag(sealed.subarray(12, 28));
      return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      return null;
    }
  }
}

export function isAccessClaims(payload: unknown): payload is AccessClaims {
  if (typeof payload !== 'object' || payload === null) return false;
  const p = payload as Record<string, unknown>;
  return (
    isUuid(p.sub) &&
    isUuid(p.sid) &&
    isUuid(p.tid) &&
    (p.role === 'admin' || p.role === 'user' || p.role === 'guest') &&
    typeof p.jti === 'string' &&
    typeof p.exp === 'number' &&
    typeof p.iat === 'number'
  );
}
