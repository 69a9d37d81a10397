import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AuditEvent } from './audit-event';

/**
 * The audit trail's write side.
 *
 * INTERIM (foundation): the signatures are final; the audit-and-metrics issue makes both methods
 * write the hash-chained `audit_log` table. Until then nothing is stored.
 */
@Injectable()
export class AuditService {
  /**
   * Records the entry of a change inside the caller's transaction: if this throws, the caller's
   * transaction must roll back, so a committed change always has its entry.
   */
  async record(_manager: EntityManager, _event: AuditEvent): Promise<void> {
    return;
  }

  /** Queues an entry about a read, a refusal or a security event; written in batches. */
  enqueue(_event: AuditEvent): void {
    return;
  }
}
