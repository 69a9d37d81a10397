import { v7 as uuidv7 } from 'uuid';
import { type Principal, RequestContext, type RequestStore } from '@app/common';

/** Runs `fn` as a signed-in caller of `tenantId`, the way a request would reach a repository. */
export function asTenant<T>(
  tenantId: string,
  fn: () => Promise<T>,
  role: Principal['role'] = 'user',
): Promise<T> {
  const store: RequestStore = {
    requestId: 'r',
    ip: '127.0.0.1',
    userAgent: null,
    method: 'POST',
    route: null,
    startedAt: 0n,
    principal: { userId: uuidv7(), tenantId, username: 'u', role, method: 'jwt' },
  };
  return RequestContext.run(store, fn);
}
