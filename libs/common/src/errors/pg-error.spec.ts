import { QueryFailedError } from 'typeorm';
import {
  PgErrorCode,
  isDataException,
  isQueryCancelled,
  isUniqueViolation,
  pgConstraint,
  sqlState,
} from './pg-error';

function pgError(code: string, constraint?: string): Error {
  return Object.assign(new Error('db'), { code, constraint, severity: 'ERROR' });
}

describe('PostgreSQL error codes', () => {
  it('reads the SQLSTATE of a raw pg error and of one wrapped by TypeORM', () => {
    expect(sqlState(pgError('23505'))).toBe('23505');
    const wrapped = new QueryFailedError('SELECT 1', [], pgError('57014'));
    expect(sqlState(wrapped)).toBe('57014');
    expect(isQueryCancelled(wrapped)).toBe(true);
  });

  it('never takes a Node system code or a Fastify code for a SQLSTATE', () => {
    for (const code of ['EPIPE', 'EPERM', 'ECONNREFUSED', 'FST_ERR_CTP_EMPTY_JSON_BODY']) {
      expect([code, sqlState(Object.assign(new Error(code), { code }))]).toEqual([code, undefined]);
    }
    expect(sqlState(null)).toBeUndefined();
    expect(sqlState('23505')).toBeUndefined();
  });

  it('classifies unique violations, data exceptions and their constraint', () => {
    const unique = new QueryFailedError('INSERT', [], pgError('23505', 'users_email_lower_uq'));
    expect(isUniqueViolation(unique)).toBe(true);
    expect(pgConstraint(unique)).toBe('users_email_lower_uq');
    expect(isDataException(pgError('22P02'))).toBe(true);
    expect(isDataException(pgError(PgErrorCode.UNIQUE_VIOLATION))).toBe(false);
    expect(pgConstraint(new Error('plain'))).toBeUndefined();
  });
});
