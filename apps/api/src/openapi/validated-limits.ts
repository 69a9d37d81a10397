import { getMetadataStorage, type MetadataStorage } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';
import { UUID_LENGTH } from '@app/common';

/** Where @ApiProperty keeps a property's schema options (@nestjs/swagger exports no constant). */
const API_MODEL_PROPERTIES = 'swagger/apiModelProperties';

/** The most characters validator.js's isEmail accepts (RFC 5321's path limit). */
const EMAIL_MAX_LENGTH = 254;

interface PropertyOptions {
  isArray?: boolean;
  enum?: unknown;
  items?: { enum?: unknown };
  maxLength?: number;
  maxItems?: number;
}

interface Limits {
  maxLength?: number;
  maxItems?: number;
}

type Constraint = { name?: string; constraints?: unknown[]; each?: boolean };

/** The longest value of an @IsIn list or @IsEnum enum, when every value is a string. */
function longestOf(values: unknown[]): number | undefined {
  if (values.length === 0 || values.some((value) => typeof value !== 'string')) return undefined;
  return Math.max(...(values as string[]).map((value) => value.length));
}

const hasEnum = (options: PropertyOptions): boolean =>
  options.enum !== undefined || options.items?.enum !== undefined;

/** The length a string (or each item, with `each`) can have after one validator passed it. */
function maxLengthOf({ name, constraints = [] }: Constraint, options: PropertyOptions) {
  switch (name) {
    case 'maxLength':
      return constraints[0] as number;
    case 'isLength':
      return constraints[1] as number | undefined;
    case 'isUuid':
      return UUID_LENGTH;
    case 'isEmail':
      return EMAIL_MAX_LENGTH;
    // A declared enum (an array's sits on its items) already bounds the value in the document.
    case 'isIn':
      return hasEnum(options) ? undefined : longestOf(constraints[0] as unknown[]);
    case 'isEnum':
      return hasEnum(options) ? undefined : longestOf(Object.values(constraints[0] as object));
    default:
      return undefined;
  }
}

/** The options with the limits they lack; the same object when they lack none. */
function withLimits(options: PropertyOptions, { maxLength, maxItems }: Limits): PropertyOptions {
  const missing: Limits = {};
  if (maxItems !== undefined && options.maxItems === undefined) missing.maxItems = maxItems;
  // On an array, @nestjs/swagger moves maxLength to the items (a body's; see bounded-parameters).
  if (maxLength !== undefined && options.maxLength === undefined) missing.maxLength = maxLength;
  return Object.keys(missing).length ? { ...options, ...missing } : options;
}

function limitsOf(validators: Constraint[], options: PropertyOptions): Limits {
  const limits: Limits = {};
  // A string's bound is its own; an array's (`each`) is its items'.
  const lengths = validators
    .filter((validator) => Boolean(validator.each) === Boolean(options.isArray))
    .map((validator) => maxLengthOf(validator, options))
    .filter((length): length is number => length !== undefined);
  if (lengths.length) limits.maxLength = Math.min(...lengths);
  const sizes = validators
    .filter((validator) => validator.name === 'arrayMaxSize')
    .map((validator) => validator.constraints?.[0] as number);
  if (sizes.length) limits.maxItems = Math.min(...sizes);
  return limits;
}

/**
 * Every class with validators and its own validators. The storage lists them in a field its
 * typings keep private; a class-validator that changes it fails here, not with limits missing.
 */
function validationMetadatasOf(storage: MetadataStorage): Map<object, ValidationMetadata[]> {
  const all = (storage as unknown as { validationMetadatas?: unknown }).validationMetadatas;
  if (!(all instanceof Map)) throw new Error('class-validator no longer lists its metadata');
  return all as Map<object, ValidationMetadata[]>;
}

/**
 * Copies the bounds that class-validator enforces (@MaxLength, @Length, @IsUUID, @IsEmail, @IsIn,
 * @IsEnum, @ArrayMaxSize) into each DTO property's @ApiProperty options, before the document is
 * built: request bodies and query parameters then state maxLength and maxItems from the one
 * source the server checks. A bound the property declares itself is kept.
 */
export function declareValidatedLimits(): void {
  const storage = getMetadataStorage();
  const byProperty = new Map<object, Map<string, Constraint[]>>();
  for (const [target, metadatas] of validationMetadatasOf(storage)) {
    const properties = byProperty.get(target) ?? new Map<string, Constraint[]>();
    byProperty.set(target, properties);
    for (const metadata of metadatas) {
      if (metadata.groups?.length) continue;
      const [constraint] = storage.getTargetValidatorConstraints(metadata.constraintCls);
      const list = properties.get(metadata.propertyName) ?? [];
      list.push({ name: constraint?.name, constraints: metadata.constraints, each: metadata.each });
      properties.set(metadata.propertyName, list);
    }
  }
  for (const [target, properties] of byProperty) {
    const prototype = (target as { prototype?: object }).prototype;
    if (!prototype) continue;
    for (const [property, validators] of properties) {
      const options = Reflect.getMetadata(API_MODEL_PROPERTIES, prototype, property) as
        PropertyOptions | undefined;
      if (!options) continue;
      const bounded = withLimits(options, limitsOf(validators, options));
      if (bounded !== options)
        Reflect.defineMetadata(API_MODEL_PROPERTIES, bounded, prototype, property);
    }
  }
}
