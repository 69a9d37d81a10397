import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { RouteMetadata } from './decorators/route-metadata';
import { ConcurrencyPrecheckGuard } from './fairness/concurrency-precheck.guard';
import { ProblemFilter } from './errors/problem.filter';
import { TENANT_CONCURRENCY_PROVIDER } from './fairness/tenant-concurrency.provider';
import { TenantConcurrency } from './fairness/tenant-concurrency';
import { LOGGER } from './logging/logger.token';
import { UuidPipe } from './validation/uuid.pipe';

/**
 * Shares the process logger, the problem filter, common pipes, the memoised route metadata and
 * the per-tenant concurrency limiter (and its guard) with every module.
 */
@Global()
@Module({})
export class CommonModule {
  static forRoot(logger: Logger): DynamicModule {
    return {
      module: CommonModule,
      providers: [
        { provide: LOGGER, useValue: logger },
        ProblemFilter,
        UuidPipe,
        RouteMetadata,
        TENANT_CONCURRENCY_PROVIDER,
        ConcurrencyPrecheckGuard,
      ],
      exports: [
        LOGGER,
        ProblemFilter,
        UuidPipe,
        RouteMetadata,
        TenantConcurrency,
        ConcurrencyPrecheckGuard,
      ],
    };
  }
}
