import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Piscina } from 'piscina';
import { AppConfig } from '@app/config';
import type { WorkerTask } from './worker-task';
import { WorkersErrorCode, WorkersException } from './workers.exception';

export interface RunOptions {
  /** Kill the task's thread after this long (default WORKERS_TASK_TIMEOUT_MS). */
  timeoutMs?: number;
}

/**
 * One pool of worker threads for CPU-heavy work (diffs, template rendering, exports, text
 * analysis), so that no request blocks the event loop. Each thread has a heap cap; each task has
 * a kill timer (limits inside a task, e.g. a template engine's, are cooperative: this one is not);
 * the queue is bounded so a flood is refused at once instead of growing memory.
 */
@Injectable()
export class WorkerPool implements OnModuleDestroy {
  private readonly pool: Piscina;
  private readonly timeoutMs: number;

  constructor(config: AppConfig) {
    const { maxThreads, maxQueue, taskTimeoutMs, maxMemoryMb } = config.workers;
    this.timeoutMs = taskTimeoutMs;
    this.pool = new Piscina({
      minThreads: 0,
      maxThreads,
      maxQueue,
      idleTimeout: 30_000,
      resourceLimits: {
        maxOldGenerationSizeMb: maxMemoryMb,
        maxYoungGenerationSizeMb: Math.max(4, Math.floor(maxMemoryMb / 8)),
        stackSizeMb: 4,
      },
    });
  }

  /** Runs `task` on a worker thread; over its limits it is a WorkersException (422 or 503). */
  async run<I, O>(task: WorkerTask<I, O>, input: I, options: RunOptions = {}): Promise<O> {
    if (this.pool.queueSize >= this.pool.options.maxQueue) {
      throw new WorkersException(WorkersErrorCode.WORKERS_BUSY, undefined, { 'retry-after': '1' });
    }
    const abort = new AbortController();
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      abort.abort();
    }, timeoutMs);
    try {
      return (await this.pool.run(input, {
        filename: task.filename,
        name: task.name,
        signal: abort.signal,
      })) as O;
    } catch (error) {
      throw translate(error, timedOut, timeoutMs);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Threads busy and tasks waiting, for metrics and health. */
  get load(): { threads: number; queued: number; utilization: number } {
    return {
      threads: this.pool.threads.length,
      queued: this.pool.queueSize,
      utilization: this.pool.utilization,
    };
  }

  async onModuleDestroy(): Promise<void> {
    await this.pool.destroy();
  }
}

function translate(error: unknown, timedOut: boolean, timeoutMs: number): unknown {
  if (timedOut) {
    return new WorkersException(
      WorkersErrorCode.WORK_TIME_LIMIT,
      `The request needs more than ${timeoutMs} ms of processing; it was stopped`,
    );
  }
  const code = (error as { code?: string } | null)?.code;
  if (code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return new WorkersException(WorkersErrorCode.WORK_MEMORY_LIMIT);
  }
  if (error instanceof Error && error.message === 'Task queue is at limit') {
    return new WorkersException(WorkersErrorCode.WORKERS_BUSY, undefined, { 'retry-after': '1' });
  }
  return error;
}
