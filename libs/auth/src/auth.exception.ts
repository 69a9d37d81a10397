import { type ErrorTable, moduleException } from '@app/common';

export enum AuthErrorCode {
  INVALID_CREDENTIALS = 'INVALID_CREDENTIALS',
  INVALID_TOKEN = 'INVALID_TOKEN',
  SESSION_REVOKED = 'SESSION_REVOKED',
  INVALID_REFRESH_TOKEN = 'INVALID_REFRESH_TOKEN',
  REFRESH_TOKEN_REUSED = 'REFRESH_TOKEN_REUSED',
  INVALID_API_KEY = 'INVALID_API_KEY',
  ACCOUNT_LOCKED = 'ACCOUNT_LOCKED',
  RATE_LIMITED = 'RATE_LIMITED',
  ROLE_REQUIRED = 'ROLE_REQUIRED',
  SCOPE_REQUIRED = 'SCOPE_REQUIRED',
  SESSION_REQUIRED = 'SESSION_REQUIRED',
  CREDENTIALS_IN_QUERY = 'CREDENTIALS_IN_QUERY',
}

const TABLE: ErrorTable<AuthErrorCode> = {
  [AuthErrorCode.INVALID_CREDENTIALS]: { status: 401, detail: 'Invalid login or password' },
  [AuthErrorCode.INVALID_TOKEN]: {
    status: 401,
    detail: 'A valid bearer token or API key is required',
  },
  [AuthErrorCode.SESSION_REVOKED]: { status: 401, detail: 'The session has ended' },
  [AuthErrorCode.INVALID_REFRESH_TOKEN]: {
    status: 401,
    detail: 'The refresh token is invalid or expired',
  },
  [AuthErrorCode.REFRESH_TOKEN_REUSED]: {
    status: 401,
    detail: 'The refresh token was already used; the session has been revoked',
  },
  [AuthErrorCode.INVALID_API_KEY]: { status: 401, detail: 'The API key is invalid' },
  [AuthErrorCode.ACCOUNT_LOCKED]: {
    status: 429,
    detail: 'Too many failed logins; try again later',
  },
  [AuthErrorCode.RATE_LIMITED]: { status: 429, detail: 'Too many requests; try again later' },
  [AuthErrorCode.ROLE_REQUIRED]: { status: 403, detail: 'Your role does not allow this' },
  [AuthErrorCode.SCOPE_REQUIRED]: {
    status: 403,
    detail: 'The API key lacks the scope this route needs',
  },
  [AuthErrorCode.SESSION_REQUIRED]: {
    status: 403,
    detail: 'This route needs a bearer session, not an API key',
  },
  [AuthErrorCode.CREDENTIALS_IN_QUERY]: {
    status: 400,
    detail: 'Credentials are accepted in headers only, never in the query string',
  },
};

/** Failures of authentication, sessions and rate limits. */
export class AuthException extends moduleException(TABLE) {}
