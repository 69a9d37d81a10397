import { PgErrorCode } from '@app/common';
import { countedGauge } from './counted-gauge';

const pgError = (code: string): Error => Object.assign(new Error('pg'), { code });

describe('countedGauge', () => {
  const warn = jest.fn();
  const count = jest.fn<Promise<number>, []>();

  beforeEach(() => {
    jest.resetAllMocks();
    jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
  });
  afterEach(() => jest.useRealTimers());

  it('counts once per 10 s however often it is scraped', async () => {
    count.mockResolvedValueOnce(3).mockResolvedValueOnce(5);
    const source = countedGauge(count, { warn }, 'things_total');
    await expect(source()).resolves.toBe(3);
    jest.advanceTimersByTime(9_999);
    await expect(source()).resolves.toBe(3);
    expect(count).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(1);
    await expect(source()).resolves.toBe(5);
    expect(count).toHaveBeenCalledTimes(2);
  });

  it('gives no sample and no warning while the table does not exist', async () => {
    count.mockRejectedValue(pgError(PgErrorCode.UNDEFINED_TABLE));
    await expect(countedGauge(count, { warn }, 'things_total')()).resolves.toBeUndefined();
    expect(warn).not.toHaveBeenCalled();
  });

  it('gives no sample and warns, naming the gauge, when the count fails otherwise', async () => {
    const error = pgError('57014');
    count.mockRejectedValue(error);
    await expect(countedGauge(count, { warn }, 'things_total')()).resolves.toBeUndefined();
    expect(warn).toHaveBeenCalledWith(
      { err: error, gauge: 'things_total' },
      'metrics count failed',
    );
  });
});
