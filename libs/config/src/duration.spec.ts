import { parseDurationSeconds } from './duration';

describe('parseDurationSeconds', () => {
  it.each([
    ['900', 900],
    ['15m', 900],
    ['1h', 3600],
    ['7d', 604800],
    ['30s', 30],
    ['1500ms', 2],
  ])('%s is %i seconds', (text, seconds) => expect(parseDurationSeconds(text)).toBe(seconds));

  it('refuses anything else', () => expect(() => parseDurationSeconds('soon')).toThrow());
});
