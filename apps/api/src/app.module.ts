import { type DynamicModule, Module, type Type } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import type { Logger } from 'pino';
import { ApiKeysModule } from '@app/api-keys';
import { AuditModule } from '@app/audit';
import { AuthModule } from '@app/auth';
import { BlocksModule } from '@app/blocks';
import { CommonModule, ProblemFilter, createValidationPipe } from '@app/common';
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

/** Composition only: the libraries, the global filter and the global validation pipe. */
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
        { provide: APP_FILTER, useExisting: ProblemFilter },
        { provide: APP_PIPE, useFactory: createValidationPipe },
      ],
    };
  }
}
