import type { Provider } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { TenantConcurrency } from './tenant-concurrency';

/** One limiter per app instance, from the validated configuration. */
export const TENANT_CONCURRENCY_PROVIDER: Provider = {
  provide: TenantConcurrency,
  useFactory: (config: AppConfig) => new TenantConcurrency(config.fairness),
  inject: [AppConfig],
};
