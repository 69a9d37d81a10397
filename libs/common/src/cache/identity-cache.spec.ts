import { IdentityCache } from './identity-cache';

function feed(live = true) {
  let reset: () => void = () => undefined;
  return {
    isLive: live,
    onReset: (handler: () => void) => (reset = handler),
    reset: () => reset(),
  };
}

describe('IdentityCache', () => {
  it('serves a loaded value from memory until its time is up', async () => {
    const load = jest.fn(async (key: string) => ({ key }));
    const cache = new IdentityCache<{ key: string }>(feed(), { ttlMs: 1000 });
    expect(await cache.get('a', load)).toEqual({ key: 'a' });
    expect(await cache.get('a', load)).toEqual({ key: 'a' });
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('reads the database on every lookup while the invalidation feed is down', async () => {
    const load = jest.fn(async () => 1);
    const cache = new IdentityCache<number>(feed(false), { ttlMs: 60_000 });
    await cache.get('a', load);
    await cache.get('a', load);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('forgets everything on reconnect and what an invalidation names', async () => {
    const f = feed();
    const load = jest.fn(async (key: string) => ({ owner: key.slice(0, 1) }));
    const cache = new IdentityCache<{ owner: string }>(f, { ttlMs: 60_000 });
    await cache.get('a1', load);
    await cache.get('a2', load);
    await cache.get('b1', load);
    cache.deleteWhere((v) => v.owner === 'a');
    expect(cache.size).toBe(1);
    f.reset();
    expect(cache.size).toBe(0);
  });

  it('remembers an absent key for the shorter miss time', async () => {
    jest.useFakeTimers();
    try {
      const load = jest.fn(async () => null);
      const cache = new IdentityCache<number>(feed(), { ttlMs: 30_000, missTtlMs: 5_000 });
      await cache.get('x', load);
      jest.advanceTimersByTime(4_000);
      await cache.get('x', load);
      expect(load).toHaveBeenCalledTimes(1);
      jest.advanceTimersByTime(2_000);
      await cache.get('x', load);
      expect(load).toHaveBeenCalledTimes(2);
    } finally {
      jest.useRealTimers();
    }
  });
});
