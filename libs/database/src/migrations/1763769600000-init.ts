import { type MigrationInterface, type QueryRunner } from 'typeorm';

/** Extensions every later migration relies on: trigram search for title suggestions. */
export class Init1763769600000 implements MigrationInterface {
  name = 'Init1763769600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP EXTENSION IF EXISTS pg_trgm`);
  }
}
