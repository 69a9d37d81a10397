import { Inject, Injectable, Optional } from '@nestjs/common';
import type { PoolClient } from 'pg';
import {
  CommonErrorCode,
  CommonException,
  ErrorCode,
  type Page,
  ProblemException,
  RequestContext,
  TenantConcurrency,
  UUID_PATTERN as UUID,
  VECTOR_SEARCH,
  type VectorHit,
  type VectorSearch,
  decodeCursor,
  encodeCursor,
} from '@app/common';
import { BlockSearchErrorCode, BlockSearchException } from './block-search.exception';
import { IdfCache, type LexemeFrequencies, idf } from './block-search.idf-cache';
import { BlockSearchRepository, type SearchRow } from './block-search.repository';
import { BlockSimilarRepository, type WeightedTerm } from './block-similar.repository';
import { reciprocalRankFusion } from './block-search.fusion';
import { type BlockRow, toBlockDto } from './block-row';
import { BlocksErrorCode, BlocksException } from './blocks.exception';
import type { BlockDto } from './dto/block.dto';
import { BlockSort } from './dto/block-type';
import type { ListBlocksQueryDto } from './dto/list-blocks-query.dto';
import {
  type SearchHitDto,
  type SearchHitPage,
  SearchMode,
  SimilarMethod,
  type SimilarBlocksDto,
  type SuggestionsDto,
} from './dto/search.dto';
import { renderHighlight } from './highlight-markup';

const SUGGESTIONS = 10;
/** Semantic and hybrid results are fused and paged within the best this many of each list. */
export const FUSION_WINDOW = 100;
/** "More like this": the block's best terms by tf-idf, OR-ed into one query. */
const SIMILAR_TERMS = 25;
/** Blocks scored per "more like this" query at most (the GIN match is not rank-ordered). */
const SIMILAR_CANDIDATES = 1000;
/** Document frequencies come from the tenant's newest blocks, this many. */
const IDF_SAMPLE = 5000;
const IDF_MAX_LEXEMES = 20_000;
/** Below this many blocks in the sample, words common to most of them still count. */
const COMMON_CUT_MIN_DOCUMENTS = 20;

export interface SearchQuery {
  q: string;
  limit?: number;
  cursor?: string;
  mode?: SearchMode;
}

/**
 * Lists (keyset pagination over an index for every sort), ranked search in three modes, title
 * suggestions and similar blocks. Heavy reads run in the tenant's search slot under the
 * search statement timeout; vector search is optional (no provider = not configured).
 */
@Injectable()
export class BlockSearchService {
  private readonly idfCache = new IdfCache(10 * 60_000, 16);

  constructor(
    private readonly repository: BlockSearchRepository,
    private readonly similarRepository: BlockSimilarRepository,
    private readonly concurrency: TenantConcurrency,
    @Optional() @Inject(VECTOR_SEARCH) private readonly vectors?: VectorSearch,
  ) {}

  async list(query: ListBlocksQueryDto): Promise<Page<BlockDto>> {
    const limit = query.limit ?? 20;
    const sort = query.sort ?? BlockSort.UPDATED_AT_DESC;
    let after: { key: string; id: string } | undefined;
    if (query.cursor) {
      const byTitle = sort === BlockSort.TITLE;
      const c = decodeCursor(query.cursor, ['s', byTitle ? 't' : 'u', 'id']);
      if (c.s !== String(sort) || !UUID.test(c.id)) throw invalidCursor();
      after = { key: byTitle ? c.t : parseInstant(c.u, true), id: c.id };
    }
    const tenantId = RequestContext.tenantId();
    const filter = {
      tenantId,
      limit: limit + 1,
      sort,
      type: query.type,
      tags: query.tag,
      q: query.q,
      updatedSince: query.updatedSince ? parseInstant(query.updatedSince) : undefined,
      after,
    };
    // A full-text filter can read many rows: like search, in the slot and under its timeout.
    const rows = query.q
      ? await this.concurrency.run('search', tenantId, () =>
          this.repository.withTimeout(this.timeoutMs(), (db) => this.repository.list(filter, db)),
        )
      : await this.repository.list(filter);
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

  /** A ranked page in the asked mode; `hybrid` without a provider is plain full text. */
  search(query: SearchQuery): Promise<SearchHitPage> {
    const mode = query.mode ?? SearchMode.FULLTEXT;
    const vectors = this.vectors?.configured ? this.vectors : undefined;
    if (mode === SearchMode.SEMANTIC && !vectors) {
      return Promise.reject(
        new BlockSearchException(BlockSearchErrorCode.EMBEDDINGS_NOT_CONFIGURED),
      );
    }
    const tenantId = RequestContext.tenantId();
    const limit = query.limit ?? 20;
    return this.concurrency.run('search', tenantId, () => {
      if (mode === SearchMode.FULLTEXT || !vectors)
        return this.fullText(tenantId, query.q, limit, query.cursor);
      return this.vectorRanked(vectors, mode, tenantId, query.q, limit, query.cursor);
    });
  }

  /**
   * Ranked by ts_rank_cd (title above tags above content) over every match, then id; the cursor
   * carries the last score exactly (float4 text round-trips) and id.
   */
  private async fullText(
    tenantId: string,
    q: string,
    limit: number,
    cursor?: string,
  ): Promise<SearchHitPage> {
    let after: { score: string; id: string } | undefined;
    if (cursor) {
      const c = decodeCursor(cursor, ['r', 'id']);
      if (!UUID.test(c.id) || !/^-?\d+(\.\d+)?(e-?\d+)?$/i.test(c.r)) throw invalidCursor();
      after = { score: c.r, id: c.id };
    }
    const rows = await this.repository.withTimeout(this.timeoutMs(), (db) =>
      this.repository.search(db, { tenantId, q, limit: limit + 1, after }),
    );
    const more = rows.length > limit;
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((row) => toHit(row, Number(row.score))),
      nextCursor: more && last ? encodeCursor({ r: String(last.score), id: last.id }) : null,
      method: SearchMode.FULLTEXT,
    };
  }

  /** Semantic or hybrid: ranked lists of ids fused in memory, paged by offset in the window. */
  private async vectorRanked(
    vectors: VectorSearch,
    mode: SearchMode,
    tenantId: string,
    q: string,
    limit: number,
    cursor?: string,
  ): Promise<SearchHitPage> {
    let offset = 0;
    if (cursor) {
      const c = decodeCursor(cursor, ['m', 'o']);
      offset = Number(c.o);
      if (
        c.m !== String(mode) ||
        !Number.isInteger(offset) ||
        offset < 0 ||
        offset >= FUSION_WINDOW
      )
        throw invalidCursor();
    }
    const nearest = await vectors.nearestToText(tenantId, q, FUSION_WINDOW);
    return this.repository.withTimeout(this.timeoutMs(), async (db) => {
      let ranked: VectorHit[] = nearest;
      if (mode === SearchMode.HYBRID) {
        const lexical = await this.repository.rankedIds(db, tenantId, q, FUSION_WINDOW);
        ranked = reciprocalRankFusion([lexical.map((r) => r.id), nearest.map((h) => h.id)]);
      }
      const window = ranked.slice(0, FUSION_WINDOW);
      const slice = window.slice(offset, offset + limit);
      const rows = await this.repository.hitsByIds(
        db,
        tenantId,
        slice.map((h) => h.id),
        q,
      );
      const byId = new Map(rows.map((row) => [row.id, row]));
      const items = slice.flatMap((hit) => {
        const row = byId.get(hit.id);
        return row ? [toHit(row, hit.score)] : [];
      });
      const next = offset + limit;
      return {
        items,
        nextCursor: next < window.length ? encodeCursor({ m: mode, o: next }) : null,
        method: mode,
      };
    });
  }

  /**
   * Nearest neighbours by embedding when a provider is configured and the block has a vector;
   * otherwise "more like this" on the block's rarest words (lexical).
   */
  async similar(id: string, limit = 10): Promise<SimilarBlocksDto> {
    const tenantId = RequestContext.tenantId();
    return this.concurrency.run('search', tenantId, async () => {
      const nearest = this.vectors?.configured
        ? await this.vectors.nearestToBlock(tenantId, id, limit)
        : null;
      return this.repository.withTimeout(this.timeoutMs(), async (db) => {
        if (nearest) {
          const [self] = await this.repository.blocksByIds(db, tenantId, [id]);
          if (!self) throw new BlocksException(BlocksErrorCode.BLOCK_NOT_FOUND);
          const rows = await this.repository.blocksByIds(
            db,
            tenantId,
            nearest.map((h) => h.id),
          );
          return { items: inOrder(nearest, rows), method: SimilarMethod.EMBEDDING };
        }
        return {
          items: await this.lexical(db, tenantId, id, limit),
          method: SimilarMethod.LEXICAL,
        };
      });
    });
  }

  private async lexical(db: PoolClient, tenantId: string, id: string, limit: number) {
    const lexemes = await this.similarRepository.blockLexemes(db, tenantId, id);
    if (lexemes.length === 0) {
      const [self] = await this.repository.blocksByIds(db, tenantId, [id]);
      if (!self) throw new BlocksException(BlocksErrorCode.BLOCK_NOT_FOUND);
      return [];
    }
    const frequencies = await this.frequencies(db, tenantId);
    const terms = pickTerms(lexemes, frequencies, SIMILAR_TERMS);
    if (terms.length === 0) return [];
    const rows = await this.similarRepository.moreLikeThis(
      db,
      tenantId,
      id,
      terms,
      limit,
      SIMILAR_CANDIDATES,
    );
    return rows.map((row) => ({ ...toBlockDto(row), score: Number(row.score) }));
  }

  private async frequencies(db: PoolClient, tenantId: string): Promise<LexemeFrequencies> {
    const cached = this.idfCache.get(tenantId);
    if (cached) return cached;
    const documents = await this.similarRepository.liveCount(db, tenantId, IDF_SAMPLE);
    const counts = await this.similarRepository.sampleFrequencies(
      db,
      tenantId,
      IDF_SAMPLE,
      IDF_MAX_LEXEMES,
    );
    const entry: LexemeFrequencies = {
      documents: Math.max(documents, 1),
      frequencies: new Map(counts.filter((c) => c.count > 1).map((c) => [c.lexeme, c.count])),
      measuredAt: Date.now(),
    };
    this.idfCache.set(tenantId, entry);
    return entry;
  }

  /**
   * Titles starting with the prefix (case-insensitive), in title order; when fewer than 10
   * start with it, titles holding a word similar to it (pg_trgm word similarity) fill up.
   */
  async suggest(prefix: string): Promise<SuggestionsDto> {
    const tenantId = RequestContext.tenantId();
    const rows = await this.repository.suggestPrefix(tenantId, prefix, SUGGESTIONS);
    if (rows.length < SUGGESTIONS && [...prefix].length >= 3) {
      const seen = rows.map((r) => r.id);
      rows.push(
        ...(await this.repository.suggestFuzzy(tenantId, prefix, seen, SUGGESTIONS - rows.length)),
      );
    }
    return { items: rows.map((r) => ({ id: r.id, title: r.title })) };
  }

  private timeoutMs(): number | undefined {
    return this.concurrency.statementTimeoutMs('search');
  }
}

/**
 * The block's terms with the highest tf-idf (count in the block × rarity in the tenant); words
 * in more than half of the sample are left out: they match most blocks and tell little. A tenant
 * smaller than COMMON_CUT_MIN_DOCUMENTS keeps them (ranked low by their idf): among a handful of
 * blocks every shared word is in "most" blocks, and the cut would leave nothing to compare on.
 */
export function pickTerms(
  lexemes: Array<{ lexeme: string; count: number }>,
  frequencies: LexemeFrequencies,
  max: number,
): WeightedTerm[] {
  const common =
    frequencies.documents >= COMMON_CUT_MIN_DOCUMENTS ? frequencies.documents / 2 : Infinity;
  return lexemes
    .filter((l) => (frequencies.frequencies.get(l.lexeme) ?? 1) <= common)
    .map((l) => ({ lexeme: l.lexeme, idf: idf(frequencies, l.lexeme), count: l.count }))
    .sort(
      (a, b) =>
        (1 + Math.log(b.count)) * b.idf - (1 + Math.log(a.count)) * a.idf ||
        a.lexeme.localeCompare(b.lexeme),
    )
    .slice(0, max)
    .map(({ lexeme, idf: weight }) => ({ lexeme, idf: weight }));
}

function toHit(row: SearchRow, score: number): SearchHitDto {
  return { ...toBlockDto(row), score, highlight: renderHighlight(row.highlight) };
}

/** Rows in the order of the hits, each with its hit's score; hits without a live row dropped. */
function inOrder(hits: VectorHit[], rows: BlockRow[]) {
  const byId = new Map(rows.map((row) => [row.id, row]));
  return hits.flatMap((hit) => {
    const row = byId.get(hit.id);
    return row ? [{ ...toBlockDto(row), score: hit.score }] : [];
  });
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
