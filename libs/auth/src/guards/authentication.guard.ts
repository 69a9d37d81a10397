import { type ExecutionContext, Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiKeysService } from '@app/api-keys';
import { IS_PUBLIC_KEY, RequestContext, RouteMetadata, type Principal } from '@app/common';
import { AuthErrorCode, AuthException } from '../auth.exception';
import { type AuthFailureReason, AuthFailuresService } from '../auth-failures.service';
import { JwtStrategy } from '../jwt.strategy';

const QUERY_CREDENTIALS = /[?&](access_token|token|api_key|apikey|x-api-key|key)=/i;

/**
 * The one global authentication guard, closed by default: a bearer JWT (passport-jwt) or an
 * `X-API-Key`, in headers only. `@Public()` opens a route. The caller becomes the request
 * context's principal.
 */
@Injectable()
export class AuthenticationGuard extends AuthGuard('jwt') {
  constructor(
    private readonly reflector: RouteMetadata,
    private readonly apiKeys: ApiKeysService,
    private readonly failures: AuthFailuresService,
    private readonly jwt: JwtStrategy,
  ) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: Principal }>();
    // An IP that keeps failing is refused before any token is verified or key looked up.
    const wait = this.failures.retryAfter(request.ip);
    if (wait > 0) {
      this.failures.throttled(request.ip, RequestContext.current());
      throw new AuthException(AuthErrorCode.RATE_LIMITED, undefined, {
        'retry-after': String(wait),
      });
    }
    try {
      const ok = await this.authenticate(context, request);
      // An answer for one caller is never kept by a shared or browser cache.
      void context.switchToHttp().getResponse<FastifyReply>().header('cache-control', 'no-store');
      return ok;
    } catch (error) {
      if (error instanceof AuthException && error.status === 401) {
        await this.failures.failed(request.ip, reasonOf(error, request), RequestContext.current());
      }
      throw error;
    }
  }

  private async authenticate(
    context: ExecutionContext,
    request: FastifyRequest & { user?: Principal },
  ): Promise<boolean> {
    // Most URLs have no query string: no regex run for them.
    if (request.url.includes('?') && QUERY_CREDENTIALS.test(request.url)) {
      throw new AuthException(AuthErrorCode.CREDENTIALS_IN_QUERY);
    }
    const apiKey = request.headers['x-api-key'];
    if (apiKey !== undefined) {
      const principal = typeof apiKey === 'string' ? await this.apiKeys.authenticate(apiKey) : null;
      if (!principal) throw new AuthException(AuthErrorCode.INVALID_API_KEY);
      request.user = principal;
      RequestContext.setPrincipal(principal);
      return true;
    }
    if (!request.headers.authorization) throw new AuthException(AuthErrorCode.INVALID_TOKEN);
    const known = this.jwt.principalOfVerified(request);
    if (known) request.user = await known;
    else await super.canActivate(context);
    if (!request.user) throw new AuthException(AuthErrorCode.INVALID_TOKEN);
    RequestContext.setPrincipal(request.user);
    return true;
  }

  override handleRequest<TUser = Principal>(err: unknown, user: unknown): TUser {
    // An error from the strategy (e.g. the session lookup while the database is down) is not a
    // bad token: the problem filter answers it (503 for an outage) instead of a misleading 401.
    if (err instanceof Error) throw err;
    if (err) throw new Error('authentication strategy failed');
    if (!user) throw new AuthException(AuthErrorCode.INVALID_TOKEN);
    return user as TUser;
  }
}

function reasonOf(error: AuthException, request: FastifyRequest): AuthFailureReason {
  if (error.reason === AuthErrorCode.INVALID_API_KEY) return 'invalid_api_key';
  const { authorization } = request.headers;
  return authorization === undefined ? 'missing' : 'invalid_token';
}
