import { type ErrorCode, codeForStatus } from './error-code';

export interface FieldError {
  field: string;
  message: string;
}

export interface ProblemInit {
  status: number;
  detail: string;
  code?: ErrorCode;
  /** A module's own, finer code (e.g. `REFRESH_TOKEN_REUSED`); optional in the body. */
  reason?: string;
  errors?: FieldError[];
  headers?: Record<string, string>;
  /** Extra members of the body (RFC 9457 extensions), e.g. a cycle's path; never the standard ones. */
  extensions?: Record<string, unknown>;
}

/**
 * The one exception type the global filter renders as RFC 9457 problem+json. Module exceptions
 * extend it with their own code enum (see users.exception.ts for the pattern).
 */
export class ProblemException extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  readonly detail: string;
  readonly reason?: string;
  readonly errors?: FieldError[];
  readonly headers?: Record<string, string>;
  readonly extensions?: Record<string, unknown>;

  constructor(init: ProblemInit) {
    super(init.detail);
    this.name = new.target.name;
    this.status = init.status;
    this.code = init.code ?? codeForStatus(init.status);
    this.detail = init.detail;
    this.reason = init.reason;
    this.errors = init.errors;
    this.headers = init.headers;
    this.extensions = init.extensions;
  }
}

/** Maps each value of a module's code enum to an HTTP status and a default detail. */
export type ErrorTable<E extends string> = Record<E, { status: number; detail: string }>;

/** Builds a module exception class bound to its own code enum and table. */
export function moduleException<E extends string>(table: ErrorTable<E>) {
  return class extends ProblemException {
    constructor(
      reason: E,
      detail?: string,
      headers?: Record<string, string>,
      extensions?: Record<string, unknown>,
    ) {
      const entry = table[reason];
      super({ status: entry.status, detail: detail ?? entry.detail, reason, headers, extensions });
    }
  };
}
