import type { Logger } from '@app/common';
import type { PendingEntry } from './audit-writer';
import type { AuditMetrics } from './audit-metrics';

export interface AuditQueueOptions {
  /** Entries held before requests are held back (back-pressure). */
  capacity: number;
  /**
   * Entries held at most (a long database outage): beyond it an entry goes to the error log in
   * full instead of memory, counted in audit_queue_overflow_total.
   */
  hardLimit: number;
  /** Longest a request is held back while the queue is full. */
  maxWaitMs: number;
  /** Most entries per INSERT. */
  batchSize: number;
  /** Longest an entry waits before its batch is written. */
  flushIntervalMs: number;
  /**
   * How often to look for unsealed entries nobody announced (another replica's, or a crashed
   * process's); this replica's own are sealed right after their commit.
   */
  sweepIntervalMs: number;
}

export const AUDIT_QUEUE_DEFAULTS: AuditQueueOptions = {
  capacity: 10_000,
  hardLimit: 100_000,
  maxWaitMs: 2_000,
  batchSize: 500,
  flushIntervalMs: 250,
  sweepIntervalMs: 2_000,
};

/**
 * The bounded in-memory queue of entries about reads, refusals and security events: it holds
 * requests back while full and never drops an entry silently (past its hard limit an entry goes
 * to the error log in full). It does no I/O: the sealer takes batches from it.
 */
export class AuditQueue {
  readonly options: AuditQueueOptions = { ...AUDIT_QUEUE_DEFAULTS };
  private entries: PendingEntry[] = [];
  private waiters: Array<() => void> = [];
  private lastFullLog = 0;

  constructor(
    private readonly logger: Logger,
    private readonly metrics: Pick<AuditMetrics, 'auditQueueFull' | 'auditQueueOverflow'>,
  ) {}

  get depth(): number {
    return this.entries.length;
  }

  get isFull(): boolean {
    return this.entries.length >= this.options.capacity;
  }

  get hasFullBatch(): boolean {
    return this.entries.length >= this.options.batchSize;
  }

  /** Adds an entry; false when it went to the log instead (the hard limit). */
  push(entry: PendingEntry): boolean {
    if (this.isFull) {
      this.metrics.auditQueueFull.inc();
      const now = Date.now();
      if (now - this.lastFullLog > 5_000) {
        this.lastFullLog = now;
        this.logger.warn(
          { depth: this.entries.length, capacity: this.options.capacity },
          'audit queue is full: holding requests back until it drains',
        );
      }
    }
    if (this.entries.length >= this.options.hardLimit) {
      this.metrics.auditQueueOverflow.inc();
      this.logger.error(
        { auditEntry: entry },
        'audit queue at its hard limit: entry logged, not queued',
      );
      return false;
    }
    this.entries.push(entry);
    return true;
  }

  /** The oldest `count` entries, still queued until `remove` confirms they were written. */
  peek(count: number): PendingEntry[] {
    return this.entries.slice(0, count);
  }

  /** Drops the first `count` entries (written), and lets held requests go once there is room. */
  remove(count: number): void {
    this.entries.splice(0, count);
    if (!this.isFull) this.release();
  }

  /**
   * Resolves when a write made room, or after `maxWaitMs` (a database outage must not hang every request, nor keep probes from answering).
   */
  whenRoom(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, this.options.maxWaitMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Empties the queue, logging every entry in full: never silently lost (shutdown). */
  discardToLog(): void {
    if (this.entries.length > 0) {
      this.logger.error(
        { count: this.entries.length, entries: this.entries },
        'audit entries could not be written before shutdown',
      );
      this.entries = [];
    }
    this.release();
  }

  private release(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}
