import { Injectable, type PipeTransform } from '@nestjs/common';
import { ErrorCode, ProblemException } from '@app/common';

/** A version number in a path: a positive 32-bit integer, else a 400. */
@Injectable()
export class VersionNumberPipe implements PipeTransform<string, number> {
  transform(value: string): number {
    const n = /^[1-9]\d{0,9}$/.test(value) ? Number(value) : NaN;
    if (!Number.isInteger(n) || n > 2147483647) {
      throw new ProblemException({
        status: 400,
        code: ErrorCode.VALIDATION_FAILED,
        detail: 'version must be a positive integer',
        errors: [{ field: 'n', message: 'must be a positive integer' }],
      });
    }
    return n;
  }
}
