import type { ValidatorOptions } from 'class-validator';

/**
 * How every DTO is checked, by the global pipe and by code that validates bodies itself (bulk
 * operations, import lines): unknown fields refused (no mass assignment), non-objects refused,
 * and no input echoed back in an error.
 */
export const VALIDATOR_OPTIONS: Readonly<ValidatorOptions> = Object.freeze({
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  validationError: { target: false, value: false },
});
