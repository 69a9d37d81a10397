import { type ErrorTable, type FieldError, moduleException } from '@app/common';

export enum TemplatesErrorCode {
  TEMPLATE_NOT_FOUND = 'TEMPLATE_NOT_FOUND',
  TEMPLATE_VERSION_NOT_FOUND = 'TEMPLATE_VERSION_NOT_FOUND',
  VERSION_CONFLICT = 'VERSION_CONFLICT',
  INVALID_TEMPLATE = 'INVALID_TEMPLATE',
  TEMPLATE_SYNTAX_ERROR = 'TEMPLATE_SYNTAX_ERROR',
  TEMPLATE_LIMIT_EXCEEDED = 'TEMPLATE_LIMIT_EXCEEDED',
  TEMPLATE_RENDER_FAILED = 'TEMPLATE_RENDER_FAILED',
  TEMPLATE_IN_USE = 'TEMPLATE_IN_USE',
}

const TABLE: ErrorTable<TemplatesErrorCode> = {
  [TemplatesErrorCode.TEMPLATE_NOT_FOUND]: { status: 404, detail: 'Template not found' },
  [TemplatesErrorCode.TEMPLATE_VERSION_NOT_FOUND]: {
    status: 404,
    detail: 'This version of the template does not exist',
  },
  [TemplatesErrorCode.VERSION_CONFLICT]: {
    status: 412,
    detail: 'If-Match does not match the current ETag of the template',
  },
  [TemplatesErrorCode.INVALID_TEMPLATE]: { status: 400, detail: 'The template is invalid' },
  [TemplatesErrorCode.TEMPLATE_SYNTAX_ERROR]: {
    status: 422,
    detail: 'A node has a Liquid syntax error',
  },
  [TemplatesErrorCode.TEMPLATE_LIMIT_EXCEEDED]: {
    status: 422,
    detail: 'Rendering needs more time or memory than one request may use',
  },
  [TemplatesErrorCode.TEMPLATE_RENDER_FAILED]: {
    status: 422,
    detail: 'A node could not be rendered',
  },
  [TemplatesErrorCode.TEMPLATE_IN_USE]: {
    status: 409,
    detail: 'Documents use this template; delete with ?force=true to keep them on their version',
  },
};

/** Failures of the templates module, each with a stable `reason` and an HTTP status. */
export class TemplatesException extends moduleException(TABLE) {
  /** A 400 listing every invalid field at once (`errors[]`, as the validation pipe does). */
  static invalid(errors: FieldError[]): TemplatesException {
    const first = errors[0];
    const exception = new TemplatesException(
      TemplatesErrorCode.INVALID_TEMPLATE,
      `${first.field} ${first.message}`,
    );
    Object.assign(exception, { errors: errors.slice(0, 100) });
    return exception;
  }
}
