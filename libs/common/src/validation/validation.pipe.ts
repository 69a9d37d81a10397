import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { ProblemException, type FieldError } from '../errors/problem.exception';
import { ErrorCode } from '../errors/error-code';
import { VALIDATOR_OPTIONS } from './validator-options';

/** Flattens nested class-validator errors into `{ field: 'a.b.0.c', message }`. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({
      field,
      message: message.startsWith(`${error.property} `)
        ? message.slice(error.property.length + 1)
        : message,
    }));
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}

/**
 * Whitelist + forbid unknown fields (no mass assignment), transform to DTO classes, and refuse
 * values that are not objects of the declared class.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    ...VALIDATOR_OPTIONS,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    exceptionFactory: (errors) => {
      const fieldErrors = flattenValidationErrors(errors);
      const detail =
        fieldErrors.map((e) => `${e.field} ${e.message}`).join('; ') || 'Invalid request';
      return new ProblemException({
        status: 400,
        code: ErrorCode.VALIDATION_FAILED,
        detail,
        errors: fieldErrors.length ? fieldErrors : [{ field: '', message: detail }],
      });
    },
  });
}
