import type { Registry } from 'prom-client';
import { IdentityCache } from '@app/common';
import { MetricsService } from './metrics.service';

const value = async (registry: Registry, name: string, labels: Record<string, string>) => {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  const sample = (metric?.values ?? []).find((v) =>
    Object.entries(labels).every(([k, l]) => v.labels[k] === l),
  );
  return sample?.value;
};

describe('identity cache metrics', () => {
  it('counts hits and misses per cache and reads the size at scrape time', async () => {
    const metrics = new MetricsService();
    const cache = new Map<string, number>([['a', 1]]);
    const meter = metrics.identityCache('sessions', () => cache.size);
    meter.lookup(true);
    meter.lookup(true);
    meter.lookup(false);
    cache.set('b', 2);
    const { registry } = metrics;
    const lookups = 'identity_cache_lookups_total';
    expect(await value(registry, lookups, { cache: 'sessions', result: 'hit' })).toBe(2);
    expect(await value(registry, lookups, { cache: 'sessions', result: 'miss' })).toBe(1);
    expect(await value(registry, 'identity_cache_entries', { cache: 'sessions' })).toBe(2);
    expect(await value(registry, 'identity_cache_entries', { cache: 'users' })).toBeUndefined();
  });

  it('counts the entries an identity cache drops past its bound', async () => {
    const metrics = new MetricsService();
    const cache = new IdentityCache<number>(
      { isLive: true, onReset: () => undefined },
      { ttlMs: 60_000, max: 3 },
    );
    cache.meter = metrics.identityCache('api_keys', () => cache.size);
    for (let i = 0; i < 4; i++) await cache.get(`k${i}`, async () => i);
    expect(cache.size).toBe(4);
    await cache.get('k4', async () => 4);
    expect(cache.size).toBe(1);
    const evictions = 'identity_cache_evictions_total';
    expect(await value(metrics.registry, evictions, { cache: 'api_keys' })).toBe(4);
  });
});
