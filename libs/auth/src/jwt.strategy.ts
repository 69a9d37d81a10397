import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy, type StrategyOptionsWithoutRequest } from 'passport-jwt';
import type { Principal } from '@app/common';
import { AuthErrorCode, AuthException } from './auth.exception';
import { SessionsService } from './sessions.service';
import { JWT_ALGORITHM, TokensService, isAccessClaims } from './tokens.service';

/**
 * passport-jwt, kept lean: bearer header only, HS256 pinned (`alg: none` and every other
 * algorithm refused), a pre-built KeyObject as key, and the session checked from memory.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    tokens: TokensService,
    private readonly sessions: SessionsService,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      // A KeyObject: jsonwebtoken accepts it and skips re-deriving the key on every verify.
      secretOrKey: tokens.signingKey as unknown as string,
      algorithms: [JWT_ALGORITHM],
      ignoreExpiration: false,
    } satisfies StrategyOptionsWithoutRequest);
  }

  async validate(payload: unknown): Promise<Principal> {
    if (!isAccessClaims(payload)) throw new AuthException(AuthErrorCode.INVALID_TOKEN);
    const principal = await this.sessions.principalFor(payload);
    if (!principal) throw new AuthException(AuthErrorCode.SESSION_REVOKED);
    return principal;
  }
}
