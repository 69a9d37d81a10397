import type { AccessClaims } from './tokens.service';

/** Enough for every live session of a busy replica; the oldest entry goes first past it. */
const MAX_ENTRIES = 10_000;

/**
 * Access tokens passport-jwt has verified, by their exact text, until they expire: a client
 * sends the same token on every request for its lifetime, and re-checking its HMAC and
 * re-parsing its JSON each time is work without new information. Only the signature check is
 * skipped: the session and the user are still checked on every request.
 */
export class VerifiedTokens {
  private readonly entries = new Map<string, AccessClaims>();

  remember(token: string, claims: AccessClaims): void {
    if (this.entries.size >= MAX_ENTRIES) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(token, claims);
  }

  /** The claims of a token verified before and not expired since, else undefined. */
  claimsOf(token: string, nowMs = Date.now()): AccessClaims | undefined {
    const claims = this.entries.get(token);
    if (claims === undefined) return undefined;
    // jsonwebtoken refuses a token from its `exp` second on; so does the cache.
    if (claims.exp * 1000 <= nowMs) {
      this.entries.delete(token);
      return undefined;
    }
    return claims;
  }
}
