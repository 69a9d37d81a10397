import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * A compact vector per block for ranking: title, tags and the first 2 000 characters of the
 * content, with the weights of search_vector. Matching stays on the full search_vector (every
 * word of the first 100 000 characters is found); ranking reads this one, so a broad query
 * never detoasts and scores megabyte vectors. Blocks whose content is no longer than 2 000
 * characters rank exactly as on the full vector.
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
