import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Pre-scored postings: for every live block and every lexeme of its search_vector, the lexeme's
 * share of ts_rank_cd. For a query that is one lexeme or an OR of lexemes, ts_rank_cd (no
 * normalisation) is the sum over the query's lexemes of the weights of their positions, so a
 * broad query is ranked exactly from a narrow index-only scan instead of reading every matching
 * block. The one exception is a block whose positions reach tsvector's last position (16383):
 * words past it share that position, where ts_rank_cd no longer adds up, so such blocks are
 * listed in block_postings_long and ranked from their vectors.
 *
 * Statement-level triggers keep both tables in step with blocks, so every write path (API,
 * import, bulk, restore, purge, tenant deletion) is covered, and a bulk insert indexes its rows
 * in one statement.
 */
export class SearchPostings1763770600000 implements MigrationInterface {
  name = 'SearchPostings1763770600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE block_postings (
        tenant_id uuid NOT NULL,
        lexeme text NOT NULL,
        block_id uuid NOT NULL,
        score double precision NOT NULL,
        CONSTRAINT block_postings_pkey PRIMARY KEY (tenant_id, lexeme, block_id) INCLUDE (score)
      )`);
    await queryRunner.query(`
      CREATE TABLE block_postings_long (
        tenant_id uuid NOT NULL,
        block_id uuid NOT NULL,
        CONSTRAINT block_postings_long_pkey PRIMARY KEY (tenant_id, block_id)
      )`);
    // Each position adds 1 / (1 / w) with w the float4 weight of its label, as ts_rank_cd does.
    await queryRunner.query(`
      CREATE FUNCTION block_lexeme_scores(v tsvector)
      RETURNS TABLE (lexeme text, score double precision)
      LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT u.lexeme,
               (SELECT sum(1.0::float8 / (1.0::float8 / (CASE w WHEN 'A' THEN 1.0::real
                                                                 WHEN 'B' THEN 0.4::real
                                                                 WHEN 'C' THEN 0.2::real
                                                                 ELSE 0.1::real END)::float8))
                  FROM unnest(u.weights) AS w)
          FROM unnest(v) AS u
      $$`);
    await queryRunner.query(`
      CREATE FUNCTION block_vector_saturated(v tsvector) RETURNS boolean
      LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT EXISTS (SELECT 1 FROM unnest(v) AS u, unnest(u.positions) AS p WHERE p >= 16383)
      $$`);
    await queryRunner.query(`
      CREATE FUNCTION block_postings_add() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO block_postings (tenant_id, lexeme, block_id, score)
          SELECT n.tenant_id, s.lexeme, n.id, s.score
            FROM new_blocks n, block_lexeme_scores(n.search_vector) AS s
           WHERE n.deleted_at IS NULL AND NOT block_vector_saturated(n.search_vector);
        INSERT INTO block_postings_long (tenant_id, block_id)
          SELECT n.tenant_id, n.id FROM new_blocks n
           WHERE n.deleted_at IS NULL AND block_vector_saturated(n.search_vector);
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE FUNCTION block_postings_remove() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM block_postings p
         USING old_blocks o, unnest(o.search_vector) AS u
         WHERE o.deleted_at IS NULL
           AND p.tenant_id = o.tenant_id AND p.lexeme = u.lexeme AND p.block_id = o.id;
        DELETE FROM block_postings_long l USING old_blocks o
         WHERE l.tenant_id = o.tenant_id AND l.block_id = o.id;
        RETURN NULL;
      END $$`);
    // Only rows whose vector or liveness changed are re-indexed; a metadata edit costs nothing.
    const changed = `changed AS (
          SELECT o.id, o.tenant_id, o.search_vector AS old_vector, o.deleted_at IS NULL AS old_live,
                 n.search_vector AS new_vector, n.deleted_at IS NULL AS new_live
            FROM old_blocks o JOIN new_blocks n ON n.id = o.id
           WHERE o.search_vector IS DISTINCT FROM n.search_vector
              OR (o.deleted_at IS NULL) <> (n.deleted_at IS NULL))`;
    await queryRunner.query(`
      CREATE FUNCTION block_postings_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        WITH ${changed}
        DELETE FROM block_postings p USING changed c, unnest(c.old_vector) AS u
         WHERE c.old_live
           AND p.tenant_id = c.tenant_id AND p.lexeme = u.lexeme AND p.block_id = c.id;
        WITH ${changed}
        DELETE FROM block_postings_long l USING changed c
         WHERE l.tenant_id = c.tenant_id AND l.block_id = c.id;
        WITH ${changed}
        INSERT INTO block_postings (tenant_id, lexeme, block_id, score)
          SELECT c.tenant_id, s.lexeme, c.id, s.score
            FROM changed c, block_lexeme_scores(c.new_vector) AS s
           WHERE c.new_live AND NOT block_vector_saturated(c.new_vector);
        WITH ${changed}
        INSERT INTO block_postings_long (tenant_id, block_id)
          SELECT c.tenant_id, c.id FROM changed c
           WHERE c.new_live AND block_vector_saturated(c.new_vector);
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER blocks_postings_insert AFTER INSERT ON blocks
        REFERENCING NEW TABLE AS new_blocks
        FOR EACH STATEMENT EXECUTE FUNCTION block_postings_add()`);
    await queryRunner.query(`
      CREATE TRIGGER blocks_postings_update AFTER UPDATE ON blocks
        REFERENCING OLD TABLE AS old_blocks NEW TABLE AS new_blocks
        FOR EACH STATEMENT EXECUTE FUNCTION block_postings_change()`);
    await queryRunner.query(`
      CREATE TRIGGER blocks_postings_delete AFTER DELETE ON blocks
        REFERENCING OLD TABLE AS old_blocks
        FOR EACH STATEMENT EXECUTE FUNCTION block_postings_remove()`);
    await queryRunner.query(`
      INSERT INTO block_postings (tenant_id, lexeme, block_id, score)
        SELECT b.tenant_id, s.lexeme, b.id, s.score
          FROM blocks b, block_lexeme_scores(b.search_vector) AS s
         WHERE b.deleted_at IS NULL AND NOT block_vector_saturated(b.search_vector)`);
    await queryRunner.query(`
      INSERT INTO block_postings_long (tenant_id, block_id)
        SELECT tenant_id, id FROM blocks
         WHERE deleted_at IS NULL AND block_vector_saturated(search_vector)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const trigger of ['insert', 'update', 'delete'])
      await queryRunner.query(`DROP TRIGGER blocks_postings_${trigger} ON blocks`);
    for (const fn of [
      'block_postings_add()',
      'block_postings_remove()',
      'block_postings_change()',
      'block_vector_saturated(tsvector)',
      'block_lexeme_scores(tsvector)',
    ])
      await queryRunner.query(`DROP FUNCTION ${fn}`);
    await queryRunner.query(`DROP TABLE block_postings_long`);
    await queryRunner.query(`DROP TABLE block_postings`);
  }
}
