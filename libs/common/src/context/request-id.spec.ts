import { resolveRequestId } from './request-id';

describe('resolveRequestId', () => {
  it('keeps a client id of 1..64 safe characters', () => {
    expect(resolveRequestId('req-1.A_b')).toBe('req-1.A_b');
    expect(resolveRequestId('a'.repeat(64))).toBe('a'.repeat(64));
    expect(resolveRequestId(['first', 'second'])).toBe('first');
  });

  it.each([undefined, '', 'a'.repeat(65), 'has space', 'new\nline', '<script>', 'ümlaut'])(
    'replaces %j with a fresh UUID',
    (value) => {
      expect(resolveRequestId(value)).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
    },
  );
});
