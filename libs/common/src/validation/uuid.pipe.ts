import { Injectable, type PipeTransform } from '@nestjs/common';
import { CommonErrorCode, CommonException } from '../errors/common.exception';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Path ids must be UUIDs: anything else is a 400, never a database error. */
@Injectable()
export class UuidPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (typeof value !== 'string' || !UUID.test(value)) {
      throw new CommonException(CommonErrorCode.INVALID_ID);
    }
    return value.toLowerCase();
  }
}
