import { type Logger, PgErrorCode, sqlState } from '@app/common';
import type { GaugeSource } from './metrics.service';

const CACHE_MS = 10_000;

/**
 * A gauge source over a count query of another module, counted at most every 10 s so scrapes
 * stay cheap. Before the migrations there is no table: no sample then, and no warning.
 */
export function countedGauge(
  count: () => Promise<number>,
  logger: Pick<Logger, 'warn'>,
  gauge: string,
): GaugeSource {
  let cached: { at: number; value: number | undefined } | undefined;
  return async () => {
    if (cached && Date.now() - cached.at < CACHE_MS) return cached.value;
    let value: number | undefined;
    try {
      value = await count();
    } catch (error) {
      if (sqlState(error) !== PgErrorCode.UNDEFINED_TABLE) {
        logger.warn({ err: error, gauge }, 'metrics count failed');
      }
    }
    cached = { at: Date.now(), value };
    return value;
  };
}
