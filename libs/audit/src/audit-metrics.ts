import { Injectable } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { InjectMetric, appCounterProvider } from '@app/metrics';

/** The audit trail's counters, provided by this module in the app's registry. */
export const AUDIT_METRICS = [
  appCounterProvider({
    name: 'audit_events_total',
    help: 'Audit entries produced, by action and severity',
    labelNames: ['action', 'severity'],
  }),
  appCounterProvider({
    name: 'audit_write_failures_total',
    help: 'Failed writes of a batch of queued audit entries (the batch is kept and retried)',
  }),
  appCounterProvider({
    name: 'audit_queue_full_total',
    help: 'Audit entries queued while the queue was at capacity (requests are held back)',
  }),
  appCounterProvider({
    name: 'audit_queue_overflow_total',
    help: 'Audit entries written to the error log because the queue reached its hard limit',
  }),
];

/** What the audit service, its queue and its sealer count. */
@Injectable()
export class AuditMetrics {
  constructor(
    @InjectMetric('audit_events_total') readonly auditEvents: Counter<'action' | 'severity'>,
    @InjectMetric('audit_write_failures_total') readonly auditWriteFailures: Counter,
    @InjectMetric('audit_queue_full_total') readonly auditQueueFull: Counter,
    @InjectMetric('audit_queue_overflow_total') readonly auditQueueOverflow: Counter,
  ) {}
}
