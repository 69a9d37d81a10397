import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { RouteMetadata } from './decorators/route-metadata';
import { ProblemFilter } from './errors/problem.filter';
import { LOGGER } from './logging/logger.token';
import { UuidPipe } from './validation/uuid.pipe';

/**
 * Shares the process logger, the problem filter, common pipes and the memoised route metadata
 * with every module.
 */
@Global()
@Module({})
export class CommonModule {
  static forRoot(logger: Logger): DynamicModule {
    return {
      module: CommonModule,
      providers: [{ provide: LOGGER, useValue: logger }, ProblemFilter, UuidPipe, RouteMetadata],
      exports: [LOGGER, ProblemFilter, UuidPipe, RouteMetadata],
    };
  }
}
