import { applyDecorators } from '@nestjs/common';
import { IsISO8601, MaxLength } from 'class-validator';

/**
 * The longest ISO-8601 instant accepted: a date, time, nanoseconds and an offset take 35
 * characters. The format alone allows any number of fraction digits.
 */
export const ISO_INSTANT_MAX_LENGTH = 40;

/** A strict ISO-8601 date-time of at most ISO_INSTANT_MAX_LENGTH characters. */
export const IsIsoInstant = (): PropertyDecorator =>
  applyDecorators(MaxLength(ISO_INSTANT_MAX_LENGTH), IsISO8601({ strict: true }));
