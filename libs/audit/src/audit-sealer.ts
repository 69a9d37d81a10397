import type { DataSource, QueryRunner } from 'typeorm';
import type { Logger } from '@app/common';
import type { AuditQueue } from './audit-queue';
import { SEAL_BATCH, sealChains, tenantsWithUnsealed } from './audit-writer';
import type { AuditMetrics } from './audit-metrics';

/**
 * Gives committed entries their place in their tenant's hash chain, and writes the queue's
 * batches, in one loop: each round seals the tenants waiting and inserts one batch of queued
 * entries in one short transaction. A failed round keeps everything for the next one, with a
 * growing pause; a sweep finds what another replica or a crashed process left unsealed.
 */
export class AuditSealer {
  /** Tenants whose committed entries wait for their place in the chain. */
  private unsealed = new Set<string>();
  /** Tenants with entries written in a transaction, sealed once it commits. */
  private readonly byTransaction = new WeakMap<QueryRunner, Set<string>>();
  private lastSweep = 0;
  /** Set when everything queued should be written, not just full batches. */
  private writeAll = false;
  private flushing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private retryAt = 0;
  private closed = false;
  consecutiveFailures = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly queue: AuditQueue,
    private readonly logger: Logger,
    private readonly metrics: Pick<AuditMetrics, 'auditWriteFailures'>,
  ) {}

  /** Starts the timer and follows commits and rollbacks of the data source's transactions. */
  start(): void {
    this.restartTimer();
    this.dataSource.subscribers.push({
      afterTransactionCommit: ({ queryRunner }) => this.afterCommit(queryRunner),
      afterTransactionRollback: ({ queryRunner }) => {
        if (!queryRunner.isTransactionActive) this.byTransaction.delete(queryRunner);
      },
    });
  }

  restartTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = setInterval(() => this.tick(), this.queue.options.flushIntervalMs);
    this.timer.unref();
  }

  /** An entry of `tenantId` was inserted in `runner`'s transaction: seal it after commit. */
  sealAfterCommit(runner: QueryRunner | undefined, tenantId: string): void {
    if (runner?.isTransactionActive) {
      const tenants = this.byTransaction.get(runner) ?? new Set<string>();
      this.byTransaction.set(runner, tenants.add(tenantId));
    } else {
      this.requestSeal(tenantId);
    }
  }

  /** Seals a tenant's committed entries soon (coalesced with the running round, if any). */
  requestSeal(tenantId: string): void {
    this.unsealed.add(tenantId);
    void this.flush();
  }

  /** Seals a tenant's committed entries now, so what a caller reads next is in the chain. */
  async sealNow(tenantId: string): Promise<void> {
    this.unsealed.add(tenantId);
    this.retryAt = 0;
    await this.flush();
  }

  /** Starts writing the queue now (it is full, or has a full batch). */
  writeSoon(all = false): void {
    void this.flush(all);
  }

  /** Writes everything queued and seals everything committed so far (tests, shutdown). */
  async drain(deadlineMs = 10_000): Promise<void> {
    const until = Date.now() + deadlineMs;
    while (this.queue.depth > 0 || this.unsealed.size > 0 || this.flushing) {
      if (Date.now() > until) break;
      this.retryAt = 0;
      await this.flush(true);
      if (this.queue.depth > 0 && this.consecutiveFailures > 0) {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  /** Stops the timer; writes after this are the caller's last drain. */
  stop(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
  }

  /** Finds tenants with unsealed entries in the database, whoever wrote them, and seals them. */
  async sweep(): Promise<void> {
    this.lastSweep = Date.now();
    if (!this.dataSource.isInitialized || Date.now() < this.retryAt) return;
    try {
      for (const tenantId of await tenantsWithUnsealed(this.dataSource))
        this.unsealed.add(tenantId);
    } catch (error) {
      this.logger.warn({ err: error }, 'audit sweep for unsealed entries failed');
    }
    await this.flush(true);
  }

  private afterCommit(runner: QueryRunner): void {
    const tenants = this.byTransaction.get(runner);
    if (!tenants || runner.isTransactionActive) return;
    this.byTransaction.delete(runner);
    for (const tenantId of tenants) this.unsealed.add(tenantId);
    void this.flush();
  }

  private tick(): void {
    if (Date.now() - this.lastSweep >= this.queue.options.sweepIntervalMs) void this.sweep();
    else void this.flush(true);
  }

  /**
   * Starts writing unless a round is running (whose loop then picks this up). `all` writes
   * everything queued now (the timer, drain, a full queue); otherwise only full batches are
   * written, so under load every INSERT carries `batchSize` entries, and waiting tenants are
   * sealed.
   */
  private flush(all = false): Promise<void> {
    if (all) this.writeAll = true;
    if (this.flushing) return this.flushing;
    if (
      (this.queue.depth === 0 && this.unsealed.size === 0) ||
      Date.now() < this.retryAt ||
      !this.dataSource.isInitialized
    ) {
      return Promise.resolve();
    }
    this.flushing = this.rounds().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async rounds(): Promise<void> {
    for (;;) {
      // A write-everything request covers what is queued now; what arrives meanwhile waits for a
      // full batch or the next tick, instead of trickling out in many small transactions.
      const all = this.writeAll || this.closed || this.queue.isFull;
      this.writeAll = false;
      const take = all || this.queue.hasFullBatch ? this.queue.options.batchSize : 0;
      const batch = this.queue.peek(take);
      if (batch.length === 0 && this.unsealed.size === 0) return;
      const tenants = [...this.unsealed];
      this.unsealed.clear();
      let sealed = 0;
      try {
        sealed = await this.dataSource.transaction(
          async (tx) => (await sealChains(tx, tenants, batch)).sealed,
        );
      } catch (error) {
        for (const tenantId of tenants) this.unsealed.add(tenantId);
        if (all) this.writeAll = true;
        this.consecutiveFailures += 1;
        this.metrics.auditWriteFailures.inc();
        this.retryAt = Date.now() + Math.min(5_000, 100 * 2 ** this.consecutiveFailures);
        this.logger.error(
          { err: error, batch: batch.length, depth: this.queue.depth },
          'audit batch write failed; its entries stay queued (or unsealed) and are retried',
        );
        return;
      }
      this.queue.remove(batch.length);
      // A full seal batch means more may be waiting for the same tenants.
      if (sealed >= SEAL_BATCH) for (const tenantId of tenants) this.unsealed.add(tenantId);
      this.consecutiveFailures = 0;
    }
  }
}
