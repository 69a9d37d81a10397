import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { ProblemFilter } from './errors/problem.filter';
import { LOGGER } from './logging/logger.token';
import { UuidPipe } from './validation/uuid.pipe';

/** Shares the process logger, the problem filter and common pipes with every module. */
@Global()
@Module({})
export class CommonModule {
  static forRoot(logger: Logger): DynamicModule {
    return {
      module: CommonModule,
      providers: [{ provide: LOGGER, useValue: logger }, ProblemFilter, UuidPipe],
      exports: [LOGGER, ProblemFilter, UuidPipe],
    };
  }
}
