import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool, PoolClient } from 'pg';
import type { DataSource } from 'typeorm';
import { leanQuery, pgPool, statement, withStatementTimeout } from '@app/database';
import { BLOCK_COLUMNS, type BlockRow } from './block-row';
import { BlockSort } from './dto/block-type';
import { MARK_START, MARK_STOP } from './highlight-markup';
import { orLexemes } from './tsquery-terms';

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

/**
 * Postings are read per lexeme, so their cost grows with the query's words while a scan's does
 * not: past this many lexemes an OR query scans its matches instead.
 */
const MAX_POSTINGS_LEXEMES = 16;

/** Keyset condition: rows after the position (score `s`, id `i`) in score-then-id order. */
const after = (score: string, id: string, s: string, i: string): string =>
  `AND (${score} < ${s}::real OR (${score} = ${s}::real AND ${id} > ${i}::uuid))`;

// The page's rows with their headlines, in the page's order.
const withHeadlines = (page: string): string => `
  WITH query AS (SELECT websearch_to_tsquery(${TS_CONFIG}, $2) AS tsq),
  page AS (${page})
  SELECT ${B_COLUMNS}, page.score,
    ts_headline(${TS_CONFIG}, ${HEADLINE_TEXT}, query.tsq, '${HEADLINE_OPTIONS}') AS highlight
  FROM page JOIN blocks b ON b.id = page.id AND b.tenant_id = $1, query
  ORDER BY page.score DESC, page.id ASC`;

// Any query: every match (GIN on search_vector) is scored with ts_rank_cd on that same vector,
// so the order is exact; a top-N sort keeps only the page.
const scanPage = (position: string): string => `
    SELECT b.id, ts_rank_cd(b.search_vector, query.tsq) AS score
    FROM blocks b, query
    WHERE b.tenant_id = $1 AND b.deleted_at IS NULL AND b.search_vector @@ query.tsq ${position}
    ORDER BY score DESC, b.id ASC
    LIMIT $3`;

// One lexeme or an OR of lexemes ($4): the same scores, summed from the postings in an
// index-only scan, plus the few saturated blocks ranked from their vectors. Exact as well.
const postingsScores = `
    SELECT p.block_id AS id, sum(p.score)::real AS score
      FROM block_postings p
     WHERE p.tenant_id = $1 AND p.lexeme = ANY($4::text[])
     GROUP BY p.block_id
    UNION ALL
    SELECT b.id, ts_rank_cd(b.search_vector, query.tsq)
      FROM block_postings_long l JOIN blocks b ON b.tenant_id = l.tenant_id AND b.id = l.block_id,
           query
     WHERE l.tenant_id = $1 AND b.deleted_at IS NULL AND b.search_vector @@ query.tsq`;
const postingsPage = (position: string): string => `
    SELECT id, score FROM (${postingsScores}) scored
     WHERE true ${position}
     ORDER BY score DESC, id ASC
     LIMIT $3`;

const SEARCH_SCAN = withHeadlines(scanPage(''));
const SEARCH_SCAN_AFTER = withHeadlines(
  scanPage(after('ts_rank_cd(b.search_vector, query.tsq)', 'b.id', '$4', '$5')),
);
const SEARCH_POSTINGS = statement('blocks_search_postings', withHeadlines(postingsPage('')));
const SEARCH_POSTINGS_AFTER = statement(
  'blocks_search_postings_after',
  withHeadlines(postingsPage(after('score', 'id', '$5', '$6'))),
);
const TSQUERY_TEXT = statement(
  'blocks_search_tsquery',
  `SELECT websearch_to_tsquery(${TS_CONFIG}, $1)::text AS tsq`,
);

// The ids of the best full-text matches, for rank fusion with vector hits.
const RANKED_IDS = `
  WITH query AS (SELECT websearch_to_tsquery(${TS_CONFIG}, $2) AS tsq)
  SELECT b.id, ts_rank_cd(b.search_vector, query.tsq) AS score
  FROM blocks b, query
  WHERE b.tenant_id = $1 AND b.deleted_at IS NULL AND b.search_vector @@ query.tsq
  ORDER BY score DESC, b.id ASC
  LIMIT $3`;
const RANKED_IDS_POSTINGS = statement(
  'blocks_ranked_ids_postings',
  `WITH query AS (SELECT websearch_to_tsquery(${TS_CONFIG}, $2) AS tsq) ${postingsPage('')}`,
);

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

  /**
   * A page of ranked hits (score, then id) with headlines, after the keyset position if given.
   * A query of one lexeme or an OR of lexemes is ranked from the postings; any other shape
   * (AND, phrases, negation, weights) scans its matches. Both give ts_rank_cd's exact order.
   */
  async search(db: PoolClient, filter: SearchFilter): Promise<SearchRow[]> {
    const { tenantId, q, limit, after } = filter;
    const lexemes = await this.orLexemes(db, q);
    if (lexemes) {
      return after
        ? leanQuery<SearchRow>(db, {
            ...SEARCH_POSTINGS_AFTER,
            values: [tenantId, q, limit, lexemes, after.score, after.id],
          })
        : leanQuery<SearchRow>(db, { ...SEARCH_POSTINGS, values: [tenantId, q, limit, lexemes] });
    }
    return after
      ? leanQuery<SearchRow>(db, {
          text: SEARCH_SCAN_AFTER,
          values: [tenantId, q, limit, after.score, after.id],
        })
      : leanQuery<SearchRow>(db, { text: SEARCH_SCAN, values: [tenantId, q, limit] });
  }

  /** The ids and scores of the best `limit` full-text matches. */
  async rankedIds(db: PoolClient, tenantId: string, q: string, limit: number) {
    const lexemes = await this.orLexemes(db, q);
    return lexemes
      ? leanQuery<{ id: string; score: number }>(db, {
          ...RANKED_IDS_POSTINGS,
          values: [tenantId, q, limit, lexemes],
        })
      : leanQuery<{ id: string; score: number }>(db, {
          text: RANKED_IDS,
          values: [tenantId, q, limit],
        });
  }

  /** The query's lexemes when it is one lexeme or an OR of lexemes (see orLexemes). */
  private async orLexemes(db: PoolClient, q: string): Promise<string[] | undefined> {
    const [row] = await leanQuery<{ tsq: string }>(db, { ...TSQUERY_TEXT, values: [q] });
    const lexemes = orLexemes(row.tsq);
    return lexemes && lexemes.length <= MAX_POSTINGS_LEXEMES ? lexemes : undefined;
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
