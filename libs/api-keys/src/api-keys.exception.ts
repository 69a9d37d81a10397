import { type ErrorTable, moduleException } from '@app/common';

export enum ApiKeysErrorCode {
  API_KEY_NOT_FOUND = 'API_KEY_NOT_FOUND',
  SCOPE_EXCEEDS_ROLE = 'SCOPE_EXCEEDS_ROLE',
  ADMIN_ONLY = 'ADMIN_ONLY',
  EXPIRY_IN_PAST = 'EXPIRY_IN_PAST',
  RATE_LIMIT_EXCEEDS_ROLE = 'RATE_LIMIT_EXCEEDS_ROLE',
  TOO_MANY_KEYS = 'TOO_MANY_KEYS',
  ROTATE_OWN_ONLY = 'ROTATE_OWN_ONLY',
}

const TABLE: ErrorTable<ApiKeysErrorCode> = {
  [ApiKeysErrorCode.API_KEY_NOT_FOUND]: { status: 404, detail: 'API key not found' },
  [ApiKeysErrorCode.SCOPE_EXCEEDS_ROLE]: {
    status: 403,
    detail: 'A key cannot have scopes beyond its owner’s role',
  },
  [ApiKeysErrorCode.ADMIN_ONLY]: { status: 403, detail: 'Only admins may list every key' },
  [ApiKeysErrorCode.EXPIRY_IN_PAST]: { status: 400, detail: 'expiresAt must be in the future' },
  [ApiKeysErrorCode.RATE_LIMIT_EXCEEDS_ROLE]: {
    status: 403,
    detail: 'A key cannot have a rate limit beyond its owner’s role',
  },
  [ApiKeysErrorCode.TOO_MANY_KEYS]: {
    status: 409,
    detail: 'The most live API keys a user may have is reached; revoke one first',
  },
  [ApiKeysErrorCode.ROTATE_OWN_ONLY]: {
    status: 403,
    detail: 'Only its owner may rotate a key (an admin may revoke it)',
  },
};

/** Failures of the api-keys module. */
export class ApiKeysException extends moduleException(TABLE) {}
