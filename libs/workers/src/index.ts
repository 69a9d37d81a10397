export { WorkersModule } from './workers.module';
export { WorkerPool, type RunOptions } from './worker-pool';
export { defineWorkerTask, resolveWorkerFile, type WorkerTask } from './worker-task';
export { WorkersErrorCode, WorkersException } from './workers.exception';
