import { ConcurrencyLimit } from './concurrency-limit';

describe('ConcurrencyLimit', () => {
  it('lets `max` holders in and hands a released slot to the next waiter', async () => {
    const limit = new ConcurrencyLimit(1);
    const release = await limit.acquire(1000, () => new Error('busy'));
    let second = false;
    const waiting = limit
      .acquire(1000, () => new Error('busy'))
      .then((r) => {
        second = true;
        return r;
      });
    await new Promise((r) => setTimeout(r, 20));
    expect(second).toBe(false);
    release();
    (await waiting)();
    expect(second).toBe(true);
  });

  it('refuses a waiter when no slot frees within the wait', async () => {
    const limit = new ConcurrencyLimit(1);
    const release = await limit.acquire(1000, () => new Error('busy'));
    await expect(limit.acquire(30, () => new Error('busy'))).rejects.toThrow('busy');
    release();
    // The refused waiter left no ghost behind: the slot is free again.
    (await limit.acquire(30, () => new Error('busy')))();
  });
});
