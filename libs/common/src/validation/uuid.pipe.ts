import { Injectable, type PipeTransform } from '@nestjs/common';
import { CommonErrorCode, CommonException } from '../errors/common.exception';
import { isUuid } from './uuid';

/** Path ids must be UUIDs: anything else is a 400, never a database error. */
@Injectable()
export class UuidPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!isUuid(value)) throw new CommonException(CommonErrorCode.INVALID_ID);
    return value.toLowerCase();
  }
}
