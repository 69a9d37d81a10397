import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool, PoolClient } from 'pg';
import type { DataSource } from 'typeorm';
import {
  CommonErrorCode,
  CommonException,
  ErrorCode,
  type Page,
  ProblemException,
  RequestContext,
  TenantConcurrency,
  UUID_PATTERN as UUID,
  decodeCursor,
  encodeCursor,
} from '@app/common';
import { leanQuery, pgPool, withStatementTimeout } from '@app/database';
import { BLOCK_COLUMNS, type BlockRow, toBlockDto } from './block-row';
import type { BlockDto } from './dto/block.dto';
import { BlockSort } from './dto/block-type';
import type { ListBlocksQueryDto } from './dto/list-blocks-query.dto';
import type { SearchHitDto, SuggestionsDto } from './dto/search.dto';
import { MARK_START, MARK_STOP, renderHighlight } from './highlight-markup';

const SUGGESTIONS = 10;

/** Full-text search configuration; must match the generated column of the migration. */
const TS_CONFIG = `'english'::regconfig`;

/**
 * Ranking reads every match's tsvector, so a query matching most of a large tenant would cost
 * hundreds of milliseconds. Only the most recently updated matches, up to this many, are
 * ranked: exact for any query with fewer matches, recency-biased beyond (documented).
 */
export const MAX_SEARCH_CANDIDATES = 2000;

const HEADLINE_OPTIONS = `StartSel=${MARK_START}, StopSel=${MARK_STOP}, MaxFragments=2, MaxWords=20, MinWords=5, FragmentDelimiter=" ... "`;
/** The headline's text without the sentinels, so only ts_headline can place them. */
const HEADLINE_TEXT = `translate(b.title || E'\\n' || left(b.content, 20000), '${MARK_START}${MARK_STOP}', '')`;

/**
 * Lists (keyset pagination over an index for every sort), ranked full-text search and title
 * suggestions. Query text is only ever a bound parameter of websearch_to_tsquery, which accepts
 * any input, so hostile text cannot break a query.
 */
@Injectable()
export class BlockSearchService {
  private readonly pool: Pool;

  constructor(
    @InjectDataSource() dataSource: DataSource,
    private readonly concurrency: TenantConcurrency,
  ) {
    this.pool = pgPool(dataSource);
  }

  async list(query: ListBlocksQueryDto): Promise<Page<BlockDto>> {
    const limit = query.limit ?? 20;
    const sort = query.sort ?? BlockSort.UPDATED_AT_DESC;
    const params: unknown[] = [RequestContext.tenantId()];
    const where = ['tenant_id = $1', 'deleted_at IS NULL'];
    const bind = (value: unknown): string => {
      params.push(value);
      return `$${params.length}`;
    };
    if (query.type) where.push(`type = ${bind(query.type)}`);
    if (query.tag?.length) where.push(`tags @> ${bind(query.tag)}::text[]`);
    if (query.q)
      where.push(`search_vector @@ websearch_to_tsquery(${TS_CONFIG}, ${bind(query.q)})`);
    if (query.updatedSince) {
      where.push(`updated_at >= ${bind(parseInstant(query.updatedSince))}::timestamptz`);
    }

    let order: string;
    if (sort === BlockSort.TITLE) {
      order = 'title ASC, id ASC';
      if (query.cursor) {
        const c = decodeCursor(query.cursor, ['s', 't', 'id']);
        if (c.s !== String(sort) || !UUID.test(c.id)) throw invalidCursor();
        where.push(`(title, id) > (${bind(c.t)}, ${bind(c.id)}::uuid)`);
      }
    } else {
      const desc = sort === BlockSort.UPDATED_AT_DESC;
      order = desc ? 'updated_at DESC, id DESC' : 'updated_at ASC, id ASC';
      if (query.cursor) {
        const c = decodeCursor(query.cursor, ['s', 'u', 'id']);
        if (c.s !== String(sort) || !UUID.test(c.id)) throw invalidCursor();
        const at = parseInstant(c.u, true);
        where.push(
          `(updated_at, id) ${desc ? '<' : '>'} (${bind(at)}::timestamptz, ${bind(c.id)}::uuid)`,
        );
      }
    }
    const limitParam = bind(limit + 1);
    const rows = await leanQuery<BlockRow>(this.pool, {
      text: `SELECT ${BLOCK_COLUMNS} FROM blocks WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ${limitParam}`,
      values: params,
    });
    const more = rows.length > limit;
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    let nextCursor: string | null = null;
    if (more && last) {
      nextCursor =
        sort === BlockSort.TITLE
          ? encodeCursor({ s: sort, t: last.title, id: last.id })
          : encodeCursor({ s: sort, u: last.updated_at.toISOString(), id: last.id });
    }
    return { items: page.map(toBlockDto), nextCursor };
  }

  /** A broad search is heavy: within the tenant's search cap and its statement timeout. */
  search(q: string, limit = 20, cursor?: string): Promise<Page<SearchHitDto>> {
    return this.concurrency.run('search', RequestContext.tenantId(), () =>
      withStatementTimeout(this.pool, this.concurrency.statementTimeoutMs('search'), (db) =>
        this.rankedSearch(db, q, limit, cursor),
      ),
    );
  }

  /**
   * Ranked by ts_rank_cd (title weighted above tags above content), then id, among the
   * MAX_SEARCH_CANDIDATES most recently updated matches; the cursor
   * carries the last score exactly (float4 text round-trips) and id. Headlines are computed
   * only for the page returned.
   */
  private async rankedSearch(
    db: PoolClient,
    q: string,
    limit: number,
    cursor?: string,
  ): Promise<Page<SearchHitDto>> {
    const params: unknown[] = [RequestContext.tenantId(), q, limit + 1];
    let after = '';
    if (cursor) {
      const c = decodeCursor(cursor, ['r', 'id']);
      if (!UUID.test(c.id) || !/^-?\d+(\.\d+)?(e-?\d+)?$/i.test(c.r)) throw invalidCursor();
      params.push(c.r, c.id);
      after = 'WHERE (score < $4::real OR (score = $4::real AND id > $5::uuid))';
    }
    const rows = await leanQuery<BlockRow & { score: number; highlight: string }>(db, {
      text: `WITH query AS (SELECT websearch_to_tsquery(${TS_CONFIG}, $2) AS tsq),
       candidates AS (
         SELECT b.id, b.search_vector
         FROM blocks b, query
         WHERE b.tenant_id = $1 AND b.deleted_at IS NULL AND b.search_vector @@ query.tsq
         ORDER BY b.updated_at DESC, b.id DESC
         LIMIT ${MAX_SEARCH_CANDIDATES}
       ),
       hits AS (
         SELECT c.id, ts_rank_cd(c.search_vector, query.tsq) AS score FROM candidates c, query
       ),
       page AS (SELECT id, score FROM hits ${after} ORDER BY score DESC, id ASC LIMIT $3)
       SELECT ${BLOCK_COLUMNS.split(', ')
         .map((c) => `b.${c}`)
         .join(', ')}, page.score,
         ts_headline(${TS_CONFIG}, ${HEADLINE_TEXT}, query.tsq, '${HEADLINE_OPTIONS}') AS highlight
       FROM page JOIN blocks b ON b.id = page.id, query
       ORDER BY page.score DESC, page.id ASC`,
      values: params,
    });
    const more = rows.length > limit;
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((row) => ({
        ...toBlockDto(row),
        score: Number(row.score),
        highlight: renderHighlight(row.highlight),
      })),
      nextCursor: more && last ? encodeCursor({ r: String(last.score), id: last.id }) : null,
    };
  }

  /**
   * Titles starting with the prefix (case-insensitive), in title order, from a C-collation
   * index range; when fewer than 10 start with it, titles holding a word similar to it
   * (pg_trgm word similarity, same GIN index) fill up.
   */
  async suggest(prefix: string): Promise<SuggestionsDto> {
    const tenantId = RequestContext.tenantId();
    const rows = await leanQuery<{ id: string; title: string }>(this.pool, {
      name: 'blocks_suggest_prefix',
      text: `SELECT id, title FROM blocks
             WHERE tenant_id = $1 AND deleted_at IS NULL
               AND lower(title) COLLATE "C" >= lower($2) COLLATE "C"
               AND lower(title) COLLATE "C" < (lower($2) || chr(1114111)) COLLATE "C"
             ORDER BY lower(title) COLLATE "C", id
             LIMIT $3`,
      values: [tenantId, prefix, SUGGESTIONS],
    });
    if (rows.length < SUGGESTIONS && [...prefix].length >= 3) {
      const seen = rows.map((r) => r.id);
      const fuzzy = await leanQuery<{ id: string; title: string }>(this.pool, {
        name: 'blocks_suggest_fuzzy',
        text: `SELECT id, title FROM blocks
               WHERE tenant_id = $1 AND deleted_at IS NULL AND lower($2) <% lower(title)
                 AND NOT (id = ANY($3::uuid[]))
               ORDER BY word_similarity(lower($2), lower(title)) DESC, id
               LIMIT $4`,
        values: [tenantId, prefix, seen, SUGGESTIONS - rows.length],
      });
      rows.push(...fuzzy);
    }
    return { items: rows.map((r) => ({ id: r.id, title: r.title })) };
  }
}

function invalidCursor(): CommonException {
  return new CommonException(CommonErrorCode.INVALID_CURSOR);
}

/** An ISO instant as a Date string PostgreSQL reads exactly; malformed input is a 400. */
function parseInstant(text: string, fromCursor = false): string {
  const date = new Date(text);
  if (Number.isNaN(date.getTime()) || date.getUTCFullYear() < 1 || date.getUTCFullYear() > 9999) {
    if (fromCursor) throw invalidCursor();
    throw new ProblemException({
      status: 400,
      code: ErrorCode.VALIDATION_FAILED,
      detail: 'updatedSince must be an ISO-8601 date-time',
      errors: [{ field: 'updatedSince', message: 'must be an ISO-8601 date-time' }],
    });
  }
  return date.toISOString();
}
