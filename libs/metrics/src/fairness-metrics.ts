import { Injectable, type OnModuleInit } from '@nestjs/common';
import { TenantConcurrency } from '@app/common';
import { OPERATION_CLASSES } from '@app/config';
import { MetricsService } from './metrics.service';

/**
 * Feeds the concurrency limiter's slots, refusals and cancelled queries into the metrics. Labels
 * are operation classes from a fixed list, never tenant ids.
 */
@Injectable()
export class FairnessMetrics implements OnModuleInit {
  constructor(
    private readonly limiter: TenantConcurrency,
    private readonly metrics: MetricsService,
  ) {}

  onModuleInit(): void {
    const { tenantConcurrencyInFlight, tenantConcurrencyRejections, queryTimeouts } = this.metrics;
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
