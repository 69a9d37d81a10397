import { Controller, applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiParam, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { ApiProblems } from '@app/common';

/**
 * Every controller of a sub-resource of `/api/blocks`: one tag, both credentials. Listed in the
 * order stacked class decorators apply (bottom up), so the document keeps its security order.
 */
export const BlocksApi = (): ClassDecorator =>
  applyDecorators(
    Controller('api/blocks'),
    ApiProblems(401, 429),
    ApiSecurity('apiKey'),
    ApiBearerAuth('bearer'),
    ApiTags('blocks'),
  );

export const ETAG_HEADER = {
  ETag: {
    description: 'Current version of the block, for If-Match / If-None-Match',
    schema: { type: 'string', example: '"v3"' },
  },
};
export const IF_MATCH = ApiHeader({
  name: 'If-Match',
  required: false,
  description: 'Only apply when the block still has this ETag; a stale one is a 412',
  example: '"v3"',
});
export const ID = ApiParam({ name: 'id', format: 'uuid', description: 'Block id' });
export const VERSION = ApiParam({
  name: 'n',
  type: Number,
  description: 'Version number (1 = first)',
});
