import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { ThrottlerModule, type ThrottlerModuleOptions } from '@nestjs/throttler';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { FastifyRequest } from 'fastify';
import { ApiKeysModule } from '@app/api-keys';
import { RequestContext } from '@app/common';
import { AppConfig } from '@app/config';
import { UsersModule } from '@app/users';
import { AUTH_RATE_LIMIT_KEY } from './auth.decorators';
import { AuthController } from './auth.controller';
import { AuthFailuresService } from './auth-failures.service';
import { AuthService } from './auth.service';
import { RefreshTokenEntity } from './entities/refresh-token.entity';
import { SessionEntity } from './entities/session.entity';
import { AuthenticationGuard } from './guards/authentication.guard';
import { AuthorizationGuard } from './guards/authorization.guard';
import { RateLimitGuard } from './guards/rate-limit.guard';
import { JwtStrategy } from './jwt.strategy';
import { LoginLockoutService } from './login-lockout.service';
import { RateLimitModule } from './rate-limit.module';
import { RateLimitStorage } from './rate-limit.storage';
import { SessionsService } from './sessions.service';
import { TokensService } from './tokens.service';

const MINUTE_MS = 60_000;

// Read twice per request (each throttler's skipIf); a handler's metadata never changes.
const authLimited = new WeakMap<object, boolean>();
const hasAuthLimit = (context: { getHandler(): unknown }): boolean => {
  const handler = context.getHandler() as object;
  let limited = authLimited.get(handler);
  if (limited === undefined) {
    limited = Reflect.getMetadata(AUTH_RATE_LIMIT_KEY, handler) === true;
    authLimited.set(handler, limited);
  }
  return limited;
};

/**
 * Sessions, tokens, the global guards (in this order: authentication, throttling, roles and
 * scopes) and the auth routes.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([SessionEntity, RefreshTokenEntity]),
    PassportModule.register({ session: false }),
    UsersModule,
    ApiKeysModule,
    RateLimitModule,
    ThrottlerModule.forRootAsync({
      imports: [RateLimitModule],
      inject: [AppConfig, RateLimitStorage],
      useFactory: (config: AppConfig, storage: RateLimitStorage): ThrottlerModuleOptions => ({
        storage,
        throttlers: [
          {
            name: 'default',
            ttl: MINUTE_MS,
            limit: () => {
              const principal = RequestContext.principal();
              if (!principal) return config.rateLimit.perMinute;
              return principal.rateLimitPerMinute ?? config.rateLimit.perRole[principal.role];
            },
            skipIf: hasAuthLimit,
          },
          {
            name: 'auth',
            ttl: MINUTE_MS,
            limit: config.rateLimit.authPerMinute,
            skipIf: (context) => !hasAuthLimit(context),
            getTracker: (req) => `ip:${(req as FastifyRequest).ip}`,
          },
        ],
      }),
    }),
  ],
  controllers: [AuthController],
  providers: [
    TokensService,
    SessionsService,
    AuthService,
    JwtStrategy,
    LoginLockoutService,
    AuthFailuresService,
    { provide: APP_GUARD, useClass: AuthenticationGuard },
    { provide: APP_GUARD, useClass: RateLimitGuard },
    { provide: APP_GUARD, useClass: AuthorizationGuard },
  ],
  exports: [TokensService, SessionsService, RateLimitModule],
})
export class AuthModule {}
