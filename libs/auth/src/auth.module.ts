import { type ExecutionContext, Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { ThrottlerModule, type ThrottlerModuleOptions } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { ApiKeysModule } from '@app/api-keys';
import { RequestContext, RouteMetadata } from '@app/common';
import { AppConfig } from '@app/config';
import { UsersModule } from '@app/users';
import { AUTH_RATE_LIMIT_KEY } from './auth.decorators';
import { AuthController } from './auth.controller';
import { AUTH_REJECTIONS, AuthFailuresService } from './auth-failures.service';
import { AuthService } from './auth.service';
import { AuthenticationGuard } from './guards/authentication.guard';
import { AuthorizationGuard } from './guards/authorization.guard';
import { RateLimitGuard } from './guards/rate-limit.guard';
import { JwtStrategy } from './jwt.strategy';
import { LoginLockoutService } from './login-lockout.service';
import { RateLimitModule } from './rate-limit.module';
import { RateLimitStorage } from './rate-limit.storage';
import { SessionsRepository } from './sessions.repository';
import { SessionsService } from './sessions.service';
import { SessionsStatistics } from './sessions-statistics';
import { TokensService } from './tokens.service';

const MINUTE_MS = 60_000;

/**
 * Sessions, tokens, the auth routes and the guards that the app module registers globally
 * (authentication, throttling, roles and scopes).
 */
@Module({
  imports: [
    PassportModule.register({ session: false }),
    UsersModule,
    ApiKeysModule,
    RateLimitModule,
    ThrottlerModule.forRootAsync({
      imports: [RateLimitModule],
      inject: [AppConfig, RateLimitStorage, RouteMetadata],
      useFactory: (
        config: AppConfig,
        storage: RateLimitStorage,
        metadata: RouteMetadata,
      ): ThrottlerModuleOptions => {
        // Read twice per request (each throttler's skipIf), memoised per route.
        const hasAuthLimit = (context: ExecutionContext): boolean =>
          metadata.getAllAndOverride<boolean | undefined>(AUTH_RATE_LIMIT_KEY, [
            context.getHandler(),
            context.getClass(),
          ]) === true;
        return {
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
        };
      },
    }),
  ],
  controllers: [AuthController],
  providers: [
    TokensService,
    SessionsService,
    SessionsRepository,
    SessionsStatistics,
    AuthService,
    JwtStrategy,
    LoginLockoutService,
    AuthFailuresService,
    AUTH_REJECTIONS,
    AuthenticationGuard,
    RateLimitGuard,
    AuthorizationGuard,
  ],
  exports: [
    TokensService,
    SessionsService,
    RateLimitModule,
    AuthenticationGuard,
    RateLimitGuard,
    AuthorizationGuard,
  ],
})
export class AuthModule {}
