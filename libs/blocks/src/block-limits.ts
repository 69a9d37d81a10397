import { ValidateBy, ValidateIf, type ValidationOptions } from 'class-validator';

/** Field limits of a block; configured from BLOCKS_* variables (see AppConfig.blocks). */
export interface BlockLimits {
  maxTitleLength: number;
  maxContentBytes: number;
  maxTags: number;
  maxTagLength: number;
  maxMetadataBytes: number;
}

export const DEFAULT_BLOCK_LIMITS: Readonly<BlockLimits> = Object.freeze({
  maxTitleLength: 200,
  maxContentBytes: 1024 * 1024,
  maxTags: 32,
  maxTagLength: 64,
  maxMetadataBytes: 16 * 1024,
});

/**
 * The limits in force. DTO decorators are evaluated when their classes load, before the config
 * exists, so the validators read the limits at validation time from here; BlocksModule sets
 * them once from AppConfig at start-up (one process, one configuration).
 */
const current: BlockLimits = { ...DEFAULT_BLOCK_LIMITS };

export function configureBlockLimits(limits: BlockLimits): void {
  Object.assign(current, limits);
}

export function blockLimits(): Readonly<BlockLimits> {
  return current;
}

// eslint-disable-next-line no-control-regex -- refusing control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** Length in Unicode code points, as PostgreSQL's char_length counts. */
export function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** A title: 1..maxTitleLength code points, not blank, no control characters. */
export function IsBlockTitle(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isBlockTitle',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' &&
          value.trim().length > 0 &&
          !CONTROL.test(value) &&
          !value.includes('\n') &&
          codePoints(value) <= current.maxTitleLength,
        defaultMessage: () =>
          `must be a non-blank single-line string of at most ${current.maxTitleLength} characters`,
      },
    },
    options,
  );
}

/** Content: a string of at most maxContentBytes bytes in UTF-8, without NUL. */
export function IsBlockContent(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isBlockContent',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' &&
          !value.includes('\u0000') &&
          Buffer.byteLength(value, 'utf8') <= current.maxContentBytes,
        defaultMessage: () =>
          `must be a string of at most ${current.maxContentBytes} bytes (UTF-8) without NUL characters`,
      },
    },
    options,
  );
}

/** Tags: at most maxTags distinct, non-blank strings of at most maxTagLength characters. */
export function IsBlockTags(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isBlockTags',
      validator: {
        validate: (value: unknown) =>
          Array.isArray(value) &&
          value.length <= current.maxTags &&
          new Set(value).size === value.length &&
          value.every(
            (tag) =>
              typeof tag === 'string' &&
              tag.trim().length > 0 &&
              !CONTROL.test(tag) &&
              !tag.includes('\n') &&
              codePoints(tag) <= current.maxTagLength,
          ),
        defaultMessage: () =>
          `must be an array of at most ${current.maxTags} distinct, non-blank strings of at most ${current.maxTagLength} characters`,
      },
    },
    options,
  );
}

/** Metadata: a JSON object (not an array, not null) of at most maxMetadataBytes as JSON. */
export function IsBlockMetadata(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isBlockMetadata',
      validator: {
        validate: (value: unknown) => {
          if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
          const json = JSON.stringify(value);
          return (
            !json.includes('\\u0000') && Buffer.byteLength(json, 'utf8') <= current.maxMetadataBytes
          );
        },
        defaultMessage: () =>
          `must be a JSON object of at most ${current.maxMetadataBytes} bytes when serialised, without NUL characters`,
      },
    },
    options,
  );
}

/** Optional, but never null: an absent field keeps its value, a null one is refused. */
export function IsOptionalNotNull(): PropertyDecorator {
  return ValidateIf((_object, value) => value !== undefined);
}
