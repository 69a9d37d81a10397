import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { OperationClass } from '@app/config';
import { RequestContext } from '../context/request-context';
import { RouteMetadata } from '../decorators/route-metadata';
import { HEAVY_OPERATION_KEY } from './heavy-operation.decorator';
import { TenantConcurrency } from './tenant-concurrency';

/**
 * Refuses a @HeavyOperation route at once when its tenant's cap is full and no room is left to
 * wait: the same 429/503 with Retry-After the service's slot would answer, without the body's
 * validation first (a flood of bulk bodies costs the API as much to refuse as to admit). A
 * request that could wait passes on and queues for its slot in the service as before.
 */
@Injectable()
export class ConcurrencyPrecheckGuard implements CanActivate {
  constructor(
    private readonly metadata: RouteMetadata,
    private readonly concurrency: TenantConcurrency,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const operation = this.metadata.getAllAndOverride<OperationClass | undefined>(
      HEAVY_OPERATION_KEY,
      [context.getHandler(), context.getClass()],
    );
    const tenantId = RequestContext.principal()?.tenantId;
    if (!operation || !tenantId) return true;
    const refusal = this.concurrency.refusalNow(operation, tenantId);
    if (refusal) throw refusal;
    return true;
  }
}
