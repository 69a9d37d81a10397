import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { ExtractJwt, Strategy, type StrategyOptionsWithRequest } from 'passport-jwt';
import type { Principal } from '@app/common';
import { AuthErrorCode, AuthException } from './auth.exception';
import { SessionsService } from './sessions.service';
import { type AccessClaims, JWT_ALGORITHM, TokensService, isAccessClaims } from './tokens.service';
import { VerifiedTokens } from './verified-tokens';

const bearerToken = ExtractJwt.fromAuthHeaderAsBearerToken();

/**
 * passport-jwt, kept lean: bearer header only, HS256 pinned (`alg: none` and every other
 * algorithm refused), a pre-built KeyObject as key, and the session checked from memory. A token
 * it verified once is not verified again until it expires (`principalOfVerified`).
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  private readonly verified = new VerifiedTokens();

  constructor(
    tokens: TokensService,
    private readonly sessions: SessionsService,
  ) {
    super({
      jwtFromRequest: bearerToken,
      // A KeyObject: jsonwebtoken accepts it and skips re-deriving the key on every verify.
      secretOrKey: tokens.signingKey as unknown as string,
      algorithms: [JWT_ALGORITHM],
      ignoreExpiration: false,
      passReqToCallback: true,
    } satisfies StrategyOptionsWithRequest);
  }

  async validate(request: FastifyRequest, payload: unknown): Promise<Principal> {
    if (!isAccessClaims(payload)) throw new AuthException(AuthErrorCode.INVALID_TOKEN);
    const token = bearerToken(request);
    if (token) this.verified.remember(token, payload);
    return this.principalOf(payload);
  }

  /**
   * The caller behind a bearer token passport-jwt verified before (session and user checked
   * now, as `validate` does), or undefined when the token must go through passport-jwt.
   */
  principalOfVerified(request: FastifyRequest): Promise<Principal> | undefined {
    const token = bearerToken(request);
    const claims = token ? this.verified.claimsOf(token) : undefined;
    return claims && this.principalOf(claims);
  }

  private async principalOf(claims: AccessClaims): Promise<Principal> {
    const principal = await this.sessions.principalFor(claims);
    if (!principal) throw new AuthException(AuthErrorCode.SESSION_REVOKED);
    return principal;
  }
}
