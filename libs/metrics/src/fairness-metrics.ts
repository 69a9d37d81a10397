import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge } from 'prom-client';
import { TenantConcurrency } from '@app/common';
import { OPERATION_CLASSES } from '@app/config';
import { appCounterProvider, appGaugeProvider } from './app-metric.provider';

/** The limiter's metrics, provided by this module in the app's registry. */
export const FAIRNESS_METRICS = [
  appCounterProvider({
    name: 'tenant_concurrency_rejections_total',
    help: 'Heavy operations refused at a concurrency cap, by operation class and cap (tenant: 429, instance: 503)',
    labelNames: ['operation', 'scope'],
  }),
  appGaugeProvider({
    name: 'tenant_concurrency_in_flight',
    help: 'Heavy operations holding a concurrency slot right now, by operation class (every tenant)',
    labelNames: ['operation'],
  }),
  appCounterProvider({
    name: 'query_timeouts_total',
    help: 'Heavy operations whose query was cancelled by the class statement timeout',
    labelNames: ['operation'],
  }),
];

/**
 * Feeds the concurrency limiter's slots, refusals and cancelled queries into the metrics. Labels
 * are operation classes from a fixed list, never tenant ids.
 */
@Injectable()
export class FairnessMetrics implements OnModuleInit {
  constructor(
    private readonly limiter: TenantConcurrency,
    @InjectMetric('tenant_concurrency_in_flight')
    private readonly tenantConcurrencyInFlight: Gauge<'operation'>,
    @InjectMetric('tenant_concurrency_rejections_total')
    private readonly tenantConcurrencyRejections: Counter<'operation' | 'scope'>,
    @InjectMetric('query_timeouts_total') private readonly queryTimeouts: Counter<'operation'>,
  ) {}

  onModuleInit(): void {
    const { tenantConcurrencyInFlight, tenantConcurrencyRejections, queryTimeouts } = this;
    // Every class has a sample from the start, so dashboards and rates see zeros, not gaps.
    for (const operation of OPERATION_CLASSES) {
      tenantConcurrencyInFlight.set({ operation }, 0);
      queryTimeouts.inc({ operation }, 0);
      for (const scope of ['tenant', 'instance']) {
        tenantConcurrencyRejections.inc({ operation, scope }, 0);
      }
    }
    this.limiter.observe({
      acquired: (operation) => tenantConcurrencyInFlight.inc({ operation }),
      released: (operation) => tenantConcurrencyInFlight.dec({ operation }),
      rejected: (operation, scope) => tenantConcurrencyRejections.inc({ operation, scope }),
      queryTimedOut: (operation) => queryTimeouts.inc({ operation }),
    });
  }
}
