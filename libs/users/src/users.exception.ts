import { type ErrorTable, moduleException } from '@app/common';

export enum UsersErrorCode {
  EMAIL_TAKEN = 'EMAIL_TAKEN',
  USERNAME_TAKEN = 'USERNAME_TAKEN',
  USER_NOT_FOUND = 'USER_NOT_FOUND',
  CANNOT_DELETE_SELF = 'CANNOT_DELETE_SELF',
  LAST_ADMIN = 'LAST_ADMIN',
  INVALID_CURRENT_PASSWORD = 'INVALID_CURRENT_PASSWORD',
}

const TABLE: ErrorTable<UsersErrorCode> = {
  [UsersErrorCode.EMAIL_TAKEN]: { status: 409, detail: 'A user with this email already exists' },
  [UsersErrorCode.USERNAME_TAKEN]: {
    status: 409,
    detail: 'A user with this username already exists',
  },
  [UsersErrorCode.USER_NOT_FOUND]: { status: 404, detail: 'User not found' },
  [UsersErrorCode.CANNOT_DELETE_SELF]: { status: 409, detail: 'An admin cannot delete itself' },
  [UsersErrorCode.LAST_ADMIN]: {
    status: 409,
    detail: 'The last active admin of a tenant with other users cannot leave or be demoted',
  },
  [UsersErrorCode.INVALID_CURRENT_PASSWORD]: {
    status: 400,
    detail: 'currentPassword is not correct',
  },
};

/** Failures of the users module. */
export class UsersException extends moduleException(TABLE) {}
