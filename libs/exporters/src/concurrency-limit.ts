/**
 * A counting semaphore with a bounded wait: `acquire` resolves with a release function, or
 * rejects with `onTimeout()` when no slot frees within `waitMs`.
 */
export class ConcurrencyLimit {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly max: number) {}

  async acquire(waitMs: number, onTimeout: () => Error): Promise<() => void> {
    if (this.active >= this.max) {
      await new Promise<void>((resolve, reject) => {
        const wake = () => {
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          const at = this.waiting.indexOf(wake);
          if (at >= 0) this.waiting.splice(at, 1);
          reject(onTimeout());
        }, waitMs);
        this.waiting.push(wake);
      });
    } else {
      this.active++;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // Hand the slot straight to the next waiter, so `active` never dips below what is running.
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    };
  }
}
