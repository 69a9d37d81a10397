import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { leanQuery } from '@app/database';
import { BLOCK_COLUMNS } from './block-row';
import type { ScoredRow } from './block-search.repository';

const B_COLUMNS = BLOCK_COLUMNS.split(', ')
  .map((c) => `b.${c}`)
  .join(', ');

/** One term of a "more like this" query: a lexeme of the block and its inverse document frequency. */
export interface WeightedTerm {
  lexeme: string;
  idf: number;
}

export interface LexemeCount {
  lexeme: string;
  count: number;
}

// The block's own lexemes (from its bounded rank vector) with their counts in it.
const BLOCK_LEXEMES = `
  SELECT u.lexeme, coalesce(array_length(u.positions, 1), 1) AS count
  FROM blocks b, unnest(b.rank_vector) AS u
  WHERE b.tenant_id = $1 AND b.id = $2 AND b.deleted_at IS NULL`;

const LIVE_COUNT = `SELECT count(*)::int AS n FROM (
  SELECT 1 FROM blocks WHERE tenant_id = $1 AND deleted_at IS NULL LIMIT $2) s`;

// Document frequencies within a bounded sample: the tenant's most recently updated blocks
// (index range on blocks_tenant_updated_idx), their rank vectors only.
const SAMPLE_FREQUENCIES = `
  SELECT u.lexeme, count(*)::int AS count
  FROM (SELECT rank_vector FROM blocks WHERE tenant_id = $1 AND deleted_at IS NULL
        ORDER BY updated_at DESC, id DESC LIMIT $2) s, unnest(s.rank_vector) AS u
  GROUP BY u.lexeme
  ORDER BY count DESC
  LIMIT $3`;

// "More like this": blocks sharing the chosen lexemes (GIN match on the full vector, at most
// $6 candidates), scored by the IDF they share over the square root of their lexeme count
// (a cosine on binary term vectors), so long blocks do not win by size alone.
const MORE_LIKE_THIS = `
  WITH terms AS (SELECT * FROM unnest($3::text[], $4::float8[]) AS t(lexeme, idf)),
  candidates AS (
    SELECT b.id, b.rank_vector FROM blocks b
    WHERE b.tenant_id = $1 AND b.deleted_at IS NULL AND b.id <> $2
      AND b.search_vector @@ $5::tsquery
    LIMIT $6
  ),
  scored AS (
    SELECT c.id, sum(t.idf) / sqrt(greatest(length(c.rank_vector), 1)) AS score
    FROM candidates c, unnest(c.rank_vector) AS u JOIN terms t ON t.lexeme = u.lexeme
    GROUP BY c.id, c.rank_vector
    ORDER BY score DESC, c.id ASC
    LIMIT $7
  )
  SELECT ${B_COLUMNS}, scored.score::float8 AS score
  FROM scored JOIN blocks b ON b.id = scored.id
  ORDER BY scored.score DESC, scored.id ASC`;

/**
 * The queries of lexical similar blocks: a block's lexemes, document frequencies on a bounded
 * sample, and "more like this". The tsquery is built from stored lexemes only, each quoted, so
 * no text is parsed again; every statement is scoped by tenant and runs on the caller's client
 * (inside its statement timeout).
 */
@Injectable()
export class BlockSimilarRepository {
  /** The lexemes of a live block's rank vector with their counts; empty when there is none. */
  blockLexemes(db: PoolClient, tenantId: string, blockId: string): Promise<LexemeCount[]> {
    return leanQuery<LexemeCount>(db, { text: BLOCK_LEXEMES, values: [tenantId, blockId] });
  }

  /** The tenant's live blocks, counted up to `cap`. */
  async liveCount(db: PoolClient, tenantId: string, cap: number): Promise<number> {
    const [row] = await leanQuery<{ n: number }>(db, { text: LIVE_COUNT, values: [tenantId, cap] });
    return row.n;
  }

  /** Document frequencies of the `maxLexemes` commonest lexemes in the `sample` newest blocks. */
  sampleFrequencies(
    db: PoolClient,
    tenantId: string,
    sample: number,
    maxLexemes: number,
  ): Promise<LexemeCount[]> {
    return leanQuery<LexemeCount>(db, {
      text: SAMPLE_FREQUENCIES,
      values: [tenantId, sample, maxLexemes],
    });
  }

  /** Blocks sharing the weighted terms, best first, the block itself excluded. */
  moreLikeThis(
    db: PoolClient,
    tenantId: string,
    blockId: string,
    terms: WeightedTerm[],
    limit: number,
    maxCandidates: number,
  ): Promise<ScoredRow[]> {
    const tsquery = terms.map((t) => tsqueryLexeme(t.lexeme)).join(' | ');
    return leanQuery<ScoredRow>(db, {
      text: MORE_LIKE_THIS,
      values: [
        tenantId,
        blockId,
        terms.map((t) => t.lexeme),
        terms.map((t) => t.idf),
        tsquery,
        maxCandidates,
        limit,
      ],
    });
  }
}

/** A stored lexeme as a tsquery operand: quoted, so it is taken as is (never parsed again). */
export function tsqueryLexeme(lexeme: string): string {
  return `'${lexeme.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}
