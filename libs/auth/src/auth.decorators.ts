import { SetMetadata } from '@nestjs/common';

export const AUTH_RATE_LIMIT_KEY = 'auth:authRateLimit';

/** Limits a route per IP with RATE_LIMIT_AUTH_PER_MINUTE (register, login, refresh). */
export const AuthRateLimit = (): MethodDecorator & ClassDecorator =>
  SetMetadata(AUTH_RATE_LIMIT_KEY, true);
