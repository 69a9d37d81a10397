import { Injectable } from '@nestjs/common';
import { hash, verify } from '@node-rs/argon2';
import { passwordStrength } from './password-strength';

/** OWASP's argon2id baseline (m=19 MiB, t=2, p=1); `algorithm: 2` is Argon2id (a const enum). */
export const ARGON2_OPTIONS = { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 };

export const PASSWORD_MIN = 15;
export const PASSWORD_MAX = 128;

/**
 * Password policy (NIST SP 800-63B rev. 4) and argon2id hashing. Passwords are NFKC-normalised,
 * never truncated and never case-folded.
 */
@Injectable()
export class PasswordService {
  private dummyHash?: Promise<string>;

  normalize(password: string): string {
    return password.normalize('NFKC');
  }

  /** The reasons a new password is refused (empty when it is acceptable). */
  check(password: string, context: { username?: string; email?: string }): string[] {
    const normalized = this.normalize(password);
    const length = [...normalized].length;
    if (length < PASSWORD_MIN) return [`must be at least ${PASSWORD_MIN} characters`];
    if (length > PASSWORD_MAX) return [`must be at most ${PASSWORD_MAX} characters`];
    const lower = normalized.toLowerCase();
    const username = context.username?.toLowerCase();
    const local = context.email?.split('@')[0]?.toLowerCase();
    if (username && username.length >= 3 && lower.includes(username))
      return ['must not contain the username'];
    if (local && local.length >= 3 && lower.includes(local))
      return ['must not contain the email address'];
    const inputs = [context.username, context.email, local].filter((v): v is string => !!v);
    const result = passwordStrength().check(normalized.slice(0, 256), inputs);
    if (result.score < 3) return ['is too common or too easy to guess'];
    return [];
  }

  hash(password: string): Promise<string> {
    return hash(this.normalize(password), ARGON2_OPTIONS);
  }

  async verify(passwordHash: string, password: string): Promise<boolean> {
    try {
      return await verify(passwordHash, this.normalize(password));
    } catch {
      return false;
    }
  }

  /** Spends the same time as a real verification, for logins of unknown accounts. */
  async verifyDummy(password: string): Promise<false> {
    this.dummyHash ??= hash('not-a-real-password-only-for-timing', ARGON2_OPTIONS);
    await this.verify(await this.dummyHash, password);
    return false;
  }
}
