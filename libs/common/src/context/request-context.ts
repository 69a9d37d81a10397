import { AsyncLocalStorage } from 'node:async_hooks';
import type { Principal } from './principal';

export interface RequestStore {
  requestId: string;
  ip: string;
  userAgent: string | null;
  method: string;
  /** Route template (`/api/blocks/:id`), never the raw path. */
  route: string | null;
  startedAt: bigint;
  principal?: Principal;
  /** Set by the audit service once this request has its entry (the HTTP hook adds no second). */
  auditRecorded?: boolean;
}

const storage = new AsyncLocalStorage<RequestStore>();

/**
 * Request id, caller and tenant of the current request, readable anywhere below the HTTP layer
 * without passing them down (AsyncLocalStorage; no request-scoped providers).
 */
export const RequestContext = {
  run<T>(store: RequestStore, fn: () => T): T {
    return storage.run(store, fn);
  },
  current(): RequestStore | undefined {
    return storage.getStore();
  },
  requestId(): string | undefined {
    return storage.getStore()?.requestId;
  },
  principal(): Principal | undefined {
    return storage.getStore()?.principal;
  },
  /** The caller's tenant; throws when there is none, so no query can run unscoped by mistake. */
  tenantId(): string {
    const tenantId = storage.getStore()?.principal?.tenantId;
    if (!tenantId) throw new Error('No tenant in the request context');
    return tenantId;
  },
  setPrincipal(principal: Principal): void {
    const store = storage.getStore();
    if (store) store.principal = principal;
  },
};
