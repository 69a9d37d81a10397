import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Per-tenant text classifiers: each training stores a new version (the trained model as the
 * classifier's own JSON export, its labels and held-out accuracy); classification reads the
 * newest. Keyed by tenant first, like every tenant-owned table.
 */
export class Ml1763770200000 implements MigrationInterface {
  name = 'Ml1763770200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE ml_classifier_models (
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        version integer NOT NULL CHECK (version >= 1),
        label_from text NOT NULL CHECK (label_from IN ('type', 'tags')),
        labels jsonb NOT NULL,
        examples integer NOT NULL CHECK (examples >= 0),
        held_out integer NOT NULL CHECK (held_out >= 0),
        accuracy double precision CHECK (accuracy BETWEEN 0 AND 1),
        model text NOT NULL,
        trained_at timestamptz(3) NOT NULL DEFAULT now(),
        trained_by uuid,
        PRIMARY KEY (tenant_id, version)
      )
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ml_classifier_models`);
  }
}
