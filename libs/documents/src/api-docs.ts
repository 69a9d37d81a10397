import { ApiHeader, ApiParam } from '@nestjs/swagger';

export const ETAG_HEADER = {
  ETag: {
    description: 'Current version of the document',
    schema: { type: 'string', example: '"v3"' },
  },
};
export const IF_MATCH = ApiHeader({
  name: 'If-Match',
  required: false,
  description: 'Only apply when the document still has this ETag; a stale one is a 412',
  example: '"v3"',
});
export const DOCUMENT_ID = ApiParam({ name: 'id', format: 'uuid', description: 'Document id' });
