import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool, PoolClient } from 'pg';
import type { DataSource } from 'typeorm';
import { leanQuery, pgPool, withStatementTimeout } from '@app/database';
import { BLOCK_COLUMNS, type BlockRow } from './block-row';
import { BlockSort } from './dto/block-type';
import { MARK_START, MARK_STOP } from './highlight-markup';

/** Full-text search configuration; must match the generated columns of the migrations. */
const TS_CONFIG = `'english'::regconfig`;
/** Rows a filtered list reads in index order before it asks the GIN index instead. */
export const LIST_SCAN = 2000;
const B_COLUMNS = BLOCK_COLUMNS.split(', ')
  .map((c) => `b.${c}`)
  .join(', ');

const HEADLINE_OPTIONS = `StartSel=${MARK_START}, StopSel=${MARK_STOP}, MaxFragments=2, MaxWords=20, MinWords=5, FragmentDelimiter=" ... "`;
/**
 * ts_headline parses all the text it is given, so it gets the title and the first 2 000
 * characters only, without the sentinels: only it can place them.
 */
const HEADLINE_TEXT = `translate(b.title || E'\\n' || left(b.content, 2000), '${MARK_START}${MARK_STOP}', '')`;

export interface ListFilter {
  tenantId: string;
  limit: number;
  sort: BlockSort;
  type?: string;
  tags?: string[];
  q?: string;
  updatedSince?: string;
  /** Keyset position: the last row's title (title sort) or updatedAt (ISO), and its id. */
  after?: { key: string; id: string };
}

export interface SearchFilter {
  tenantId: string;
  q: string;
  limit: number;
  /** Keyset position: the last hit's score (float4 text, exact) and id. */
  after?: { score: string; id: string };
}

export type SearchRow = BlockRow & { score: number; highlight: string };
export type ScoredRow = BlockRow & { score: number };

// Every match (GIN on search_vector) is scored with ts_rank_cd on that same vector, so the order
// is exact; a top-N sort keeps only the page, and headlines are made for the page only.
const searchSql = (after: string): string => `
  WITH query AS (SELECT websearch_to_tsquery(${TS_CONFIG}, $2) AS tsq),
  page AS (
    SELECT b.id, ts_rank_cd(b.search_vector, query.tsq) AS score
    FROM blocks b, query
    WHERE b.tenant_id = $1 AND b.deleted_at IS NULL AND b.search_vector @@ query.tsq ${after}
    ORDER BY score DESC, b.id ASC
    LIMIT $3
  )
  SELECT ${B_COLUMNS}, page.score,
    ts_headline(${TS_CONFIG}, ${HEADLINE_TEXT}, query.tsq, '${HEADLINE_OPTIONS}') AS highlight
  FROM page JOIN blocks b ON b.id = page.id, query
  ORDER BY page.score DESC, page.id ASC`;
const SEARCH_FIRST = searchSql('');
const SEARCH_AFTER = searchSql(
  `AND (ts_rank_cd(b.search_vector, query.tsq) < $4::real
        OR (ts_rank_cd(b.search_vector, query.tsq) = $4::real AND b.id > $5::uuid))`,
);

// The ids of the best full-text matches, for rank fusion with vector hits.
const RANKED_IDS = `
  WITH query AS (SELECT websearch_to_tsquery(${TS_CONFIG}, $2) AS tsq)
  SELECT b.id, ts_rank_cd(b.search_vector, query.tsq) AS score
  FROM blocks b, query
  WHERE b.tenant_id = $1 AND b.deleted_at IS NULL AND b.search_vector @@ query.tsq
  ORDER BY score DESC, b.id ASC
  LIMIT $3`;

const HITS_BY_IDS = `
  WITH query AS (SELECT websearch_to_tsquery(${TS_CONFIG}, $3) AS tsq)
  SELECT ${B_COLUMNS}, 0::real AS score,
    ts_headline(${TS_CONFIG}, ${HEADLINE_TEXT}, query.tsq, '${HEADLINE_OPTIONS}') AS highlight
  FROM blocks b, query
  WHERE b.tenant_id = $1 AND b.deleted_at IS NULL AND b.id = ANY($2::uuid[])`;

const BLOCKS_BY_IDS = `SELECT ${BLOCK_COLUMNS} FROM blocks
  WHERE tenant_id = $1 AND deleted_at IS NULL AND id = ANY($2::uuid[])`;

// Title completion from a C-collation range on lower(title): any prefix length, no sort.
const SUGGEST_PREFIX = {
  name: 'blocks_suggest_prefix',
  text: `SELECT id, title FROM blocks
         WHERE tenant_id = $1 AND deleted_at IS NULL
           AND lower(title) COLLATE "C" >= lower($2) COLLATE "C"
           AND lower(title) COLLATE "C" < (lower($2) || chr(1114111)) COLLATE "C"
         ORDER BY lower(title) COLLATE "C", id
         LIMIT $3`,
};
// Titles holding a word similar to the prefix (pg_trgm word similarity, trigram GIN index).
const SUGGEST_FUZZY = {
  name: 'blocks_suggest_fuzzy',
  text: `SELECT id, title FROM blocks
         WHERE tenant_id = $1 AND deleted_at IS NULL AND lower($2) <% lower(title)
           AND NOT (id = ANY($3::uuid[]))
         ORDER BY word_similarity(lower($2), lower(title)) DESC, id
         LIMIT $4`,
};

/**
 * Every query of lists, search, suggestions and similar blocks. Query text is only ever a bound
 * parameter of websearch_to_tsquery (which accepts any input) or a tsquery built from stored
 * lexemes, so hostile text cannot break a query; every statement is scoped by tenant.
 */
@Injectable()
export class BlockSearchRepository {
  private readonly pool: Pool;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.pool = pgPool(dataSource);
  }

  /** Runs `fn` on one client in a transaction whose statements are capped at `ms`. */
  withTimeout<T>(ms: number | undefined, fn: (db: PoolClient) => Promise<T>): Promise<T> {
    return withStatementTimeout(this.pool, ms, fn);
  }

  /**
   * Up to `limit` rows (the caller asks one more than a page) in the sort's index order. With a
   * full-text filter the work is bounded either way a match can hide: first the newest
   * LIST_SCAN rows in index order are filtered (a broad word fills the page there); when they
   * do not fill it, the GIN index finds every match and only those are sorted (a word rare in
   * the newest rows is usually rare). Both give exactly the first matches in order.
   */
  async list(filter: ListFilter, db: Pool | PoolClient = this.pool): Promise<BlockRow[]> {
    const params: unknown[] = [filter.tenantId];
    const where = ['tenant_id = $1', 'deleted_at IS NULL'];
    const bind = (value: unknown): string => {
      params.push(value);
      return `$${params.length}`;
    };
    if (filter.type) where.push(`type = ${bind(filter.type)}`);
    if (filter.tags?.length) where.push(`tags @> ${bind(filter.tags)}::text[]`);
    if (filter.updatedSince) where.push(`updated_at >= ${bind(filter.updatedSince)}::timestamptz`);
    let order: string;
    if (filter.sort === BlockSort.TITLE) {
      order = 'title ASC, id ASC';
      if (filter.after)
        where.push(`(title, id) > (${bind(filter.after.key)}, ${bind(filter.after.id)}::uuid)`);
    } else {
      const desc = filter.sort === BlockSort.UPDATED_AT_DESC;
      order = desc ? 'updated_at DESC, id DESC' : 'updated_at ASC, id ASC';
      if (filter.after) {
        where.push(
          `(updated_at, id) ${desc ? '<' : '>'} (${bind(filter.after.key)}::timestamptz, ${bind(filter.after.id)}::uuid)`,
        );
      }
    }
    const limit = bind(filter.limit);
    if (!filter.q) {
      return leanQuery<BlockRow>(db, {
        text: `SELECT ${BLOCK_COLUMNS} FROM blocks WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ${limit}`,
        values: params,
      });
    }
    const q = bind(filter.q);
    const matches = `search_vector @@ websearch_to_tsquery(${TS_CONFIG}, ${q})`;
    // Not materialized: the scan streams in index order and stops at the page's last match.
    const recent = await leanQuery<BlockRow>(db, {
      text: `SELECT ${BLOCK_COLUMNS} FROM (
               SELECT ${BLOCK_COLUMNS}, search_vector FROM blocks WHERE ${where.join(' AND ')}
               ORDER BY ${order} LIMIT ${LIST_SCAN}) scan
             WHERE ${matches} ORDER BY ${order} LIMIT ${limit}`,
      values: params,
    });
    if (recent.length === filter.limit) return recent;
    return leanQuery<BlockRow>(db, {
      text: `WITH found AS MATERIALIZED (
               SELECT ${BLOCK_COLUMNS} FROM blocks WHERE ${[...where, matches].join(' AND ')})
             SELECT ${BLOCK_COLUMNS} FROM found ORDER BY ${order} LIMIT ${limit}`,
      values: params,
    });
  }

  /** A page of ranked hits (score, then id) with headlines, after the keyset position if given. */
  search(db: PoolClient, filter: SearchFilter): Promise<SearchRow[]> {
    const { tenantId, q, limit, after } = filter;
    return after
      ? leanQuery<SearchRow>(db, {
          text: SEARCH_AFTER,
          values: [tenantId, q, limit, after.score, after.id],
        })
      : leanQuery<SearchRow>(db, { text: SEARCH_FIRST, values: [tenantId, q, limit] });
  }

  /** The ids and scores of the best `limit` full-text matches. */
  rankedIds(db: PoolClient, tenantId: string, q: string, limit: number) {
    return leanQuery<{ id: string; score: number }>(db, {
      text: RANKED_IDS,
      values: [tenantId, q, limit],
    });
  }

  /** Live blocks of the tenant among `ids` (any order) with a headline for `q`. */
  hitsByIds(db: PoolClient, tenantId: string, ids: string[], q: string): Promise<SearchRow[]> {
    return leanQuery<SearchRow>(db, { text: HITS_BY_IDS, values: [tenantId, ids, q] });
  }

  /** Live blocks of the tenant among `ids`, in any order. */
  blocksByIds(db: PoolClient, tenantId: string, ids: string[]): Promise<BlockRow[]> {
    return leanQuery<BlockRow>(db, { text: BLOCKS_BY_IDS, values: [tenantId, ids] });
  }

  suggestPrefix(tenantId: string, prefix: string, limit: number) {
    return leanQuery<{ id: string; title: string }>(this.pool, {
      ...SUGGEST_PREFIX,
      values: [tenantId, prefix, limit],
    });
  }

  suggestFuzzy(tenantId: string, prefix: string, exclude: string[], limit: number) {
    return leanQuery<{ id: string; title: string }>(this.pool, {
      ...SUGGEST_FUZZY,
      values: [tenantId, prefix, exclude, limit],
    });
  }
}
