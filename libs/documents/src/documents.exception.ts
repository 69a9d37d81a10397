import { type ErrorTable, type FieldError, moduleException } from '@app/common';

export enum DocumentsErrorCode {
  DOCUMENT_NOT_FOUND = 'DOCUMENT_NOT_FOUND',
  DOCUMENT_VERSION_NOT_FOUND = 'DOCUMENT_VERSION_NOT_FOUND',
  ASSEMBLY_NOT_FOUND = 'ASSEMBLY_NOT_FOUND',
  BLOCK_NOT_FOUND = 'BLOCK_NOT_FOUND',
  VERSION_CONFLICT = 'VERSION_CONFLICT',
  INVALID_DOCUMENT = 'INVALID_DOCUMENT',
  UNKNOWN_TEMPLATE = 'UNKNOWN_TEMPLATE',
  UNKNOWN_REFERENCE = 'UNKNOWN_REFERENCE',
  REFERENCE_CYCLE = 'REFERENCE_CYCLE',
  INCLUDE_TOO_DEEP = 'INCLUDE_TOO_DEEP',
  TOO_MANY_REFERENCES = 'TOO_MANY_REFERENCES',
  MISSING_REFERENCE = 'MISSING_REFERENCE',
  MISSING_VARIABLES = 'MISSING_VARIABLES',
  INVALID_VARIABLES = 'INVALID_VARIABLES',
  DOCUMENT_TOO_LARGE = 'DOCUMENT_TOO_LARGE',
  ASSEMBLY_TOO_LARGE = 'ASSEMBLY_TOO_LARGE',
}

const TABLE: ErrorTable<DocumentsErrorCode> = {
  [DocumentsErrorCode.DOCUMENT_NOT_FOUND]: { status: 404, detail: 'Document not found' },
  [DocumentsErrorCode.DOCUMENT_VERSION_NOT_FOUND]: {
    status: 404,
    detail: 'This version of the document does not exist',
  },
  [DocumentsErrorCode.ASSEMBLY_NOT_FOUND]: { status: 404, detail: 'Assembly not found' },
  [DocumentsErrorCode.BLOCK_NOT_FOUND]: { status: 404, detail: 'Block not found' },
  [DocumentsErrorCode.VERSION_CONFLICT]: {
    status: 412,
    detail: 'If-Match does not match the current ETag of the document',
  },
  [DocumentsErrorCode.INVALID_DOCUMENT]: { status: 400, detail: 'The document is invalid' },
  [DocumentsErrorCode.UNKNOWN_TEMPLATE]: { status: 422, detail: 'The template does not exist' },
  [DocumentsErrorCode.UNKNOWN_REFERENCE]: {
    status: 422,
    detail: 'Some referenced blocks do not exist',
  },
  [DocumentsErrorCode.REFERENCE_CYCLE]: {
    status: 422,
    detail: 'Blocks include each other in a cycle',
  },
  [DocumentsErrorCode.INCLUDE_TOO_DEEP]: {
    status: 422,
    detail: 'Includes are nested deeper than allowed',
  },
  [DocumentsErrorCode.TOO_MANY_REFERENCES]: {
    status: 422,
    detail: 'The document uses more block references than allowed',
  },
  [DocumentsErrorCode.MISSING_REFERENCE]: {
    status: 422,
    detail: 'Referenced blocks were deleted; assemble with onMissing "omit" or "placeholder"',
  },
  [DocumentsErrorCode.MISSING_VARIABLES]: {
    status: 422,
    detail: 'Required variables have no value',
  },
  [DocumentsErrorCode.INVALID_VARIABLES]: {
    status: 422,
    detail: 'Variables do not match the template schema',
  },
  [DocumentsErrorCode.DOCUMENT_TOO_LARGE]: {
    status: 413,
    detail: 'The document has more nodes than allowed',
  },
  [DocumentsErrorCode.ASSEMBLY_TOO_LARGE]: {
    status: 422,
    detail: 'The assembled document is larger than allowed',
  },
};

/** Failures of the documents module, each with a stable `reason` and an HTTP status. */
export class DocumentsException extends moduleException(TABLE) {
  /** A 400 listing every invalid field at once (`errors[]`, as the validation pipe does). */
  static invalid(errors: FieldError[]): DocumentsException {
    const first = errors[0];
    const exception = new DocumentsException(
      DocumentsErrorCode.INVALID_DOCUMENT,
      `${first.field} ${first.message}`,
    );
    Object.assign(exception, { errors: errors.slice(0, 100) });
    return exception;
  }
}
