import { type ErrorTable, moduleException } from '@app/common';

export enum BlocksErrorCode {
  BLOCK_NOT_FOUND = 'BLOCK_NOT_FOUND',
  VERSION_NOT_FOUND = 'VERSION_NOT_FOUND',
  RELATION_NOT_FOUND = 'RELATION_NOT_FOUND',
  TARGET_NOT_FOUND = 'TARGET_NOT_FOUND',
  SELF_RELATION = 'SELF_RELATION',
  RELATION_EXISTS = 'RELATION_EXISTS',
  VERSION_CONFLICT = 'VERSION_CONFLICT',
  NOT_DELETED = 'NOT_DELETED',
  INVALID_BULK_OPERATION = 'INVALID_BULK_OPERATION',
  IMPORT_TOO_LARGE = 'IMPORT_TOO_LARGE',
  UNSUPPORTED_IMPORT_TYPE = 'UNSUPPORTED_IMPORT_TYPE',
  DIFF_TOO_LARGE = 'DIFF_TOO_LARGE',
}

const TABLE: ErrorTable<BlocksErrorCode> = {
  [BlocksErrorCode.BLOCK_NOT_FOUND]: { status: 404, detail: 'Block not found' },
  [BlocksErrorCode.VERSION_NOT_FOUND]: { status: 404, detail: 'Version not found' },
  [BlocksErrorCode.RELATION_NOT_FOUND]: { status: 404, detail: 'Relation not found' },
  [BlocksErrorCode.TARGET_NOT_FOUND]: { status: 404, detail: 'Target block not found' },
  [BlocksErrorCode.SELF_RELATION]: { status: 400, detail: 'A block cannot relate to itself' },
  [BlocksErrorCode.RELATION_EXISTS]: {
    status: 409,
    detail: 'This relation between the two blocks already exists',
  },
  [BlocksErrorCode.VERSION_CONFLICT]: {
    status: 412,
    detail: 'If-Match does not match the current ETag of the block',
  },
  [BlocksErrorCode.NOT_DELETED]: { status: 409, detail: 'The block is not deleted' },
  [BlocksErrorCode.INVALID_BULK_OPERATION]: { status: 400, detail: 'Invalid bulk operation' },
  [BlocksErrorCode.IMPORT_TOO_LARGE]: { status: 413, detail: 'The import body is too large' },
  [BlocksErrorCode.DIFF_TOO_LARGE]: {
    status: 422,
    detail: 'The versions are too large to compare',
  },
  [BlocksErrorCode.UNSUPPORTED_IMPORT_TYPE]: {
    status: 415,
    detail: 'Send the import as application/x-ndjson',
  },
};

/** Failures of the blocks module, each with a stable `reason` and an HTTP status. */
export class BlocksException extends moduleException(TABLE) {}
