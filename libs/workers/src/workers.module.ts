import { Global, Module } from '@nestjs/common';
import { WorkerPool } from './worker-pool';

/** The shared worker-thread pool for CPU-heavy work. */
@Global()
@Module({ providers: [WorkerPool], exports: [WorkerPool] })
export class WorkersModule {}
