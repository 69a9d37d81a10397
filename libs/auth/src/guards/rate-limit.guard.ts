import { type ExecutionContext, Injectable } from '@nestjs/common';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  type ThrottlerModuleOptions,
  type ThrottlerRequest,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RequestContext, RouteMetadata } from '@app/common';
import { AuthErrorCode, AuthException } from '../auth.exception';

/**
 * @nestjs/throttler with our keys and headers: one counter per API key, per user, or per IP when
 * anonymous (shared by every route), `X-RateLimit-*` on every limited response without a
 * throttler suffix (each route has exactly one throttler), and a problem+json 429 with
 * `Retry-After`. The IP is Fastify's `request.ip`, which honours TRUST_PROXY only.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  // The memoised reflector: the throttler reads ~7 metadata keys per request otherwise.
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    metadata: RouteMetadata,
  ) {
    super(options, storage, metadata);
  }

  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    return trackerFor(req as unknown as FastifyRequest);
  }

  protected override generateKey(
    _context: ExecutionContext,
    tracker: string,
    throttlerName: string,
  ): string {
    return `${throttlerName}:${tracker}`;
  }

  protected override async handleRequest(requestProps: ThrottlerRequest): Promise<boolean> {
    const { context, limit, ttl, throttler, blockDuration, getTracker, generateKey } = requestProps;
    const http = context.switchToHttp();
    const req = http.getRequest<FastifyRequest>();
    const res = http.getResponse<FastifyReply>();
    const tracker = await getTracker(req, context);
    const key = generateKey(context, tracker, throttler.name ?? 'default');
    const { totalHits, timeToExpire, isBlocked, timeToBlockExpire } =
      await this.storageService.increment(key, ttl, limit, blockDuration, throttler.name ?? '');
    const remaining = String(Math.max(0, limit - totalHits));
    if (isBlocked) {
      throw new AuthException(AuthErrorCode.RATE_LIMITED, undefined, {
        'x-ratelimit-limit': String(limit),
        'x-ratelimit-remaining': remaining,
        'x-ratelimit-reset': String(timeToExpire),
        'retry-after': String(timeToBlockExpire),
      });
    }
    void res
      .header('x-ratelimit-limit', String(limit))
      .header('x-ratelimit-remaining', remaining)
      .header('x-ratelimit-reset', String(timeToExpire));
    return true;
  }
}

/** `key:<id>`, `user:<id>`, or `ip:<address>` for anonymous callers. */
export function trackerFor(req: FastifyRequest): string {
  const principal = RequestContext.principal();
  if (principal?.apiKeyId) return `key:${principal.apiKeyId}`;
  if (principal) return `user:${principal.userId}`;
  return `ip:${req.ip}`;
}
