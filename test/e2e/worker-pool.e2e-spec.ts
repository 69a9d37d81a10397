import { join } from 'node:path';
import { loadConfig } from '@app/config';
import { WorkerPool, WorkersErrorCode, WorkersException, type WorkerTask } from '@app/workers';

const file = join(__dirname, '../support/workers/probe.worker.js');
const task = <I, O>(name: string): WorkerTask<I, O> => ({ filename: file, name });

function poolWith(env: Record<string, string>): WorkerPool {
  return new WorkerPool(loadConfig({ NODE_ENV: 'test', DATA_DIR: '/tmp', ...env }));
}

describe('the worker pool', () => {
  let pool: WorkerPool;
  afterEach(() => pool?.onModuleDestroy());

  it('runs a task on another thread and returns its result', async () => {
    pool = poolWith({});
    const result = await pool.run(task<string, { echoed: string; threadId: number }>('echo'), 'hi');
    expect(result.echoed).toBe('hi');
    expect(result.threadId).toBeGreaterThan(0);
  });

  it('kills a task that never ends at its time budget and keeps serving', async () => {
    pool = poolWith({ WORKERS_TASK_TIMEOUT_MS: '300', WORKERS_MAX_THREADS: '1' });
    const error = await pool.run(task('spin'), null).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkersException);
    expect(error).toMatchObject({ status: 422, reason: WorkersErrorCode.WORK_TIME_LIMIT });
    // The only thread was terminated; a new one takes the next task.
    await expect(pool.run(task('echo'), 'after')).resolves.toMatchObject({ echoed: 'after' });
  });

  it('stops a task that outgrows its heap with a 422, not a dead process', async () => {
    pool = poolWith({ WORKERS_MAX_MEMORY_MB: '32', WORKERS_TASK_TIMEOUT_MS: '20000' });
    const error = await pool.run(task('hoard'), null).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 422, reason: WorkersErrorCode.WORK_MEMORY_LIMIT });
    await expect(pool.run(task('echo'), 'alive')).resolves.toMatchObject({ echoed: 'alive' });
  });

  it('refuses work at once with a 503 and Retry-After when the queue is full', async () => {
    pool = poolWith({
      WORKERS_MAX_THREADS: '1',
      WORKERS_MAX_QUEUE: '1',
      WORKERS_TASK_TIMEOUT_MS: '500',
    });
    const running = pool.run(task('spin'), null).catch((e: unknown) => e);
    const queued = pool.run(task('spin'), null).catch((e: unknown) => e);
    const refused = await pool.run(task('echo'), 'x').catch((e: unknown) => e);
    expect(refused).toMatchObject({
      status: 503,
      reason: WorkersErrorCode.WORKERS_BUSY,
      headers: { 'retry-after': '1' },
    });
    await Promise.all([running, queued]);
  });

  it('passes a task error through unchanged', async () => {
    pool = poolWith({});
    await expect(pool.run(task('fail'), 'boom')).rejects.toThrow('boom');
  });
});
