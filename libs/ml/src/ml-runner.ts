import { Injectable } from '@nestjs/common';
import { RequestContext, TenantConcurrency } from '@app/common';
import { AppConfig } from '@app/config';
import { WorkerPool, type WorkerTask } from '@app/workers';
import { MlMetrics, type MlOperation } from './ml-metrics';
import { MODEL_LOAD_ALLOWANCE_MS } from './ml-limits';

/**
 * Runs one ML task the way every heavy operation runs: inside a slot of the tenant's `analyze`
 * class (429 TENANT_BUSY over its cap), on a worker thread with a kill timer; and meters it.
 */
@Injectable()
export class MlRunner {
  private readonly budgetMs: number;

  constructor(
    private readonly pool: WorkerPool,
    private readonly concurrency: TenantConcurrency,
    private readonly metrics: MlMetrics,
    config: AppConfig,
  ) {
    this.budgetMs = config.workers.taskTimeoutMs + MODEL_LOAD_ALLOWANCE_MS;
  }

  run<I, O>(task: WorkerTask<I, O>, input: I, timeoutMs = this.budgetMs): Promise<O> {
    return this.concurrency.run('analyze', RequestContext.tenantId(), () =>
      this.pool.run(task, input, { timeoutMs }),
    );
  }

  /** Times one request of `operation` and counts how it ended (refusals included). */
  observe<T>(operation: MlOperation, work: () => Promise<T>): Promise<T> {
    return this.metrics.observe(operation, work);
  }
}
