import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';

const trim = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.trim() : value;

export const USERNAME_PATTERN = /^[A-Za-z0-9._-]{3,64}$/;
/** The pattern's own bound, stated beside it for clients. */
const USERNAME_MAX_LENGTH = 64;

/** Shared field rules of the user DTOs. */
export const EmailField = (): PropertyDecorator =>
  applyDecorators(
    ApiProperty({ example: 'ada@example.com', maxLength: 254 }),
    Transform(trim),
    IsString(),
    MaxLength(254),
    IsEmail({}, { message: 'must be an email address' }),
  );

export const OptionalEmailField = (): PropertyDecorator =>
  applyDecorators(
    ApiPropertyOptional({ example: 'ada@example.com', maxLength: 254 }),
    IsOptional(),
    Transform(trim),
    IsString(),
    MaxLength(254),
    IsEmail({}, { message: 'must be an email address' }),
  );

export const UsernameField = (): PropertyDecorator =>
  applyDecorators(
    ApiProperty({
      example: 'ada',
      pattern: USERNAME_PATTERN.source,
      maxLength: USERNAME_MAX_LENGTH,
    }),
    IsString(),
    Matches(USERNAME_PATTERN, { message: 'must be 3..64 of A-Z a-z 0-9 . _ -' }),
  );

/** A new password: the policy (length after NFKC, dictionary) is checked by the service. */
export const NewPasswordField = (): PropertyDecorator =>
  applyDecorators(
    ApiProperty({
      example: 'correct horse battery staple 42',
      minLength: 15,
      maxLength: 128,
      description:
        '15..128 characters after NFKC normalisation; refused when common, easily guessed, or containing the username or email',
    }),
    IsString(),
    MinLength(1),
    MaxLength(512),
  );

export const DisplayNameField = (): PropertyDecorator =>
  applyDecorators(
    ApiPropertyOptional({ example: 'Ada Lovelace', maxLength: 100, nullable: true }),
    IsOptional(),
    Transform(trim),
    IsString(),
    MaxLength(100),
  );
