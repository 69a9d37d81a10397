import { type DynamicModule, Module, type Type } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import type { Logger } from 'pino';
import { ApiKeysModule } from '@app/api-keys';
import { AuditMarkGuard, AuditModule } from '@app/audit';
import { AuthModule, AuthenticationGuard, AuthorizationGuard, RateLimitGuard } from '@app/auth';
import { BlocksModule } from '@app/blocks';
import {
  CommonModule,
  ConcurrencyPrecheckGuard,
  ProblemFilter,
  createValidationPipe,
} from '@app/common';
import { type AppConfig, ConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { HealthModule } from '@app/health';
import { MetricsModule } from '@app/metrics';
import { UsersModule } from '@app/users';
import { WorkersModule } from '@app/workers';
import { TemplatesModule } from '@app/templates';
import { DocumentsModule } from '@app/documents';
import { MlModule } from '@app/ml';
import { EmbeddingsModule } from '@app/embeddings';

/**
 * Composition only: the libraries, the global guards (here, in the order they run, so no
 * module's import position decides it), the global filter and the global validation pipe.
 */
@Module({})
export class AppModule {
  static register(
    config: AppConfig,
    logger: Logger,
    extra: Array<Type | DynamicModule> = [],
  ): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        CommonModule.forRoot(logger),
        DatabaseModule,
        WorkersModule,
        HealthModule,
        MetricsModule.forRoot(config),
        AuditModule,
        UsersModule,
        AuthModule,
        ApiKeysModule,
        BlocksModule,
        TemplatesModule,
        DocumentsModule,
        EmbeddingsModule,
        MlModule,
        ...extra,
      ],
      providers: [
        // First: marks every routed request for the audit trail, so refusals by the guards
        // below get their entry too, and holds requests back while the audit queue is full.
        { provide: APP_GUARD, useExisting: AuditMarkGuard },
        // Who is calling: a route is closed unless @Public(); an IP failing too often gets 429s.
        { provide: APP_GUARD, useExisting: AuthenticationGuard },
        // After authentication, so the limit is per API key or user, per IP only when anonymous.
        { provide: APP_GUARD, useExisting: RateLimitGuard },
        // Last: roles and scopes need the principal, and a throttled caller learns nothing more.
        { provide: APP_GUARD, useExisting: AuthorizationGuard },
        // A heavy route whose tenant is at its cap with no room to wait: refused before the
        // validation pipe, with the answer its slot would give.
        { provide: APP_GUARD, useExisting: ConcurrencyPrecheckGuard },
        { provide: APP_FILTER, useExisting: ProblemFilter },
        { provide: APP_PIPE, useFactory: createValidationPipe },
      ],
    };
  }
}
