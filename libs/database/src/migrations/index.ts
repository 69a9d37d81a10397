import { Init1763769600000 } from './1763769600000-init';
import { Identity1763769700000 } from './1763769700000-identity';
import { Blocks1763769800000 } from './1763769800000-blocks';
import { Audit1763769900000 } from './1763769900000-audit';
import { AuditSealing1763770000000 } from './1763770000000-audit-sealing';
import { Documents1763770100000 } from './1763770100000-documents';
import { AuditErasure1763770120000 } from './1763770120000-audit-erasure';
import { Ml1763770200000 } from './1763770200000-ml';
import { SearchRanking1763770400000 } from './1763770400000-search-ranking';
import { Embeddings1763770500000 } from './1763770500000-embeddings';
import { SearchPostings1763770600000 } from './1763770600000-search-postings';

/**
 * Every migration, in order. Listed explicitly (not globbed) so the app, the CLI and the tests
 * load exactly the same set, compiled or not. Module migrations live here too; name each
 * `<timestamp>-<what>.ts` with a timestamp later than the last one.
 */
export const migrations = [
  Init1763769600000,
  Identity1763769700000,
  Blocks1763769800000,
  Audit1763769900000,
  AuditSealing1763770000000,
  Documents1763770100000,
  AuditErasure1763770120000,
  Ml1763770200000,
  SearchRanking1763770400000,
  Embeddings1763770500000,
  SearchPostings1763770600000,
];
