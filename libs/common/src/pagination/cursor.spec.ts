import { ProblemException } from '../errors/problem.exception';
import { decodeCursor, encodeCursor } from './cursor';

describe('cursors', () => {
  it('round-trips the sort key', () => {
    const cursor = encodeCursor({ updatedAt: '2026-11-22T00:00:00.000Z', id: 'abc' });
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, ['updatedAt', 'id'])).toEqual({
      updatedAt: '2026-11-22T00:00:00.000Z',
      id: 'abc',
    });
  });

  it.each([
    '',
    'not base64!',
    Buffer.from('[1,2]').toString('base64url'),
    Buffer.from('{"id":{}}').toString('base64url'),
    'x'.repeat(2000),
  ])('refuses %j with a 400 problem', (cursor) => {
    try {
      decodeCursor(cursor, ['id']);
      throw new Error('accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(ProblemException);
      expect((error as ProblemException).status).toBe(400);
      expect((error as ProblemException).reason).toBe('INVALID_CURSOR');
    }
  });
});
