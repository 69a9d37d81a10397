import { type ErrorTable, moduleException } from '@app/common';

export enum ExportersErrorCode {
  /** The assembled Markdown is larger than EXPORT_MAX_MARKDOWN_BYTES. */
  EXPORT_TOO_LARGE = 'EXPORT_TOO_LARGE',
  /** `format=pdf` without PDF_CHROMIUM_PATH. */
  PDF_RENDERER_NOT_CONFIGURED = 'PDF_RENDERER_NOT_CONFIGURED',
  /** Every PDF slot stayed busy past the wait. */
  PDF_RENDERER_BUSY = 'PDF_RENDERER_BUSY',
  /** The browser took longer than EXPORT_PDF_TIMEOUT_MS to print the document. */
  PDF_TIMEOUT = 'PDF_TIMEOUT',
}

const TABLE: ErrorTable<ExportersErrorCode> = {
  [ExportersErrorCode.EXPORT_TOO_LARGE]: {
    status: 413,
    detail: 'The document is larger than an export may be',
  },
  [ExportersErrorCode.PDF_RENDERER_NOT_CONFIGURED]: {
    status: 501,
    detail: 'PDF export is not configured on this server (PDF_CHROMIUM_PATH is unset)',
  },
  [ExportersErrorCode.PDF_RENDERER_BUSY]: {
    status: 503,
    detail: 'Every PDF renderer is busy; try again shortly',
  },
  [ExportersErrorCode.PDF_TIMEOUT]: {
    status: 422,
    detail: 'The document takes longer to print as PDF than an export may take',
  },
};

/** Refusals of an export: too large, PDF not configured, busy or too slow. */
export class ExportersException extends moduleException(TABLE) {}
