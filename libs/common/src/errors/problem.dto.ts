import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ErrorCode } from './error-code';

export class FieldErrorDto {
  @ApiProperty({ example: 'password' })
  field!: string;

  @ApiProperty({ example: 'must be at least 15 characters' })
  message!: string;
}

/** RFC 9457 problem details, as every error of this API is answered. */
export class ProblemDto {
  @ApiProperty({ example: 'urn:content-blocks:problem:validation-failed' })
  type!: string;

  @ApiProperty({ example: 'Validation failed' })
  title!: string;

  @ApiProperty({ example: 400 })
  status!: number;

  @ApiProperty({ example: 'password must be at least 15 characters' })
  detail!: string;

  @ApiProperty({ example: '/api/auth/register' })
  instance!: string;

  @ApiProperty({ enum: ErrorCode, enumName: 'ErrorCode', example: ErrorCode.VALIDATION_FAILED })
  code!: ErrorCode;

  @ApiProperty({ example: '0b6c1c1e-6a8e-4d5f-9a57-3f1f6f0d9a10' })
  requestId!: string;

  @ApiPropertyOptional({
    description: 'The trace of this request, when the server exports traces (OpenTelemetry)',
    pattern: '^[0-9a-f]{32}$',
    example: '4bf92f3577b34da6a3ce929d0e0e4736',
  })
  traceId?: string;

  @ApiPropertyOptional({
    description: 'A finer, module-specific reason',
    example: 'REFRESH_TOKEN_REUSED',
  })
  reason?: string;

  @ApiPropertyOptional({
    type: FieldErrorDto,
    isArray: true,
    description: 'Only on validation failures',
  })
  errors?: FieldErrorDto[];
}
