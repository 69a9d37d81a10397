import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * A compact vector per block: title, tags and the first 2 000 characters of the content, with
 * the weights of search_vector. "More like this" reads a block's terms and scores candidates
 * from it, so the work per block stays bounded however long its content is; matching stays on
 * the full search_vector. (Search ranks on search_vector: a prefix-only rank misses a long
 * block whose matches come late, measured at recall@20 0.00 on such a corpus.)
 */
export class SearchRanking1763770400000 implements MigrationInterface {
  name = 'SearchRanking1763770400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE blocks ADD COLUMN rank_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, title), 'A') ||
        setweight(to_tsvector('english'::regconfig, blocks_tags_text(tags)), 'B') ||
        setweight(to_tsvector('english'::regconfig, left(content, 2000)), 'C')
      ) STORED
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE blocks DROP COLUMN rank_vector`);
  }
}
