import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Blocks, their versions and their relations. Runs after the identity migration (tenants).
 *
 * Every list filter the API offers has an index here; all partial indexes cover live rows only
 * (`deleted_at IS NULL`), which is what every read asks for. Works on PostgreSQL 15 to 18.
 */
export class Blocks1763769800000 implements MigrationInterface {
  name = 'Blocks1763769800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // array_to_string is only STABLE, so a generated column cannot call it directly; joining
    // text[] with a space is in fact immutable.
    await queryRunner.query(`
      CREATE FUNCTION blocks_tags_text(tags text[]) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
        RETURN array_to_string(tags, ' ')
    `);
    await queryRunner.query(`
      CREATE TABLE blocks (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        title text NOT NULL,
        content text NOT NULL DEFAULT '',
        type text NOT NULL DEFAULT 'text' CHECK (type IN ('text', 'markdown', 'html')),
        tags text[] NOT NULL DEFAULT '{}',
        metadata jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
        version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        created_by uuid,
        updated_by uuid,
        deleted_at timestamptz(3),
        -- Only the first 100 000 characters of content are indexed: a tsvector is capped at
        -- 1 MiB, and a 1 MiB block of distinct words would otherwise fail to save.
        search_vector tsvector GENERATED ALWAYS AS (
          setweight(to_tsvector('english'::regconfig, title), 'A') ||
          setweight(to_tsvector('english'::regconfig, blocks_tags_text(tags)), 'B') ||
          setweight(to_tsvector('english'::regconfig, left(content, 100000)), 'C')
        ) STORED,
        CONSTRAINT blocks_tenant_id_id_key UNIQUE (tenant_id, id)
      )
    `);
    await queryRunner.query(
      `CREATE INDEX blocks_search_vector_idx ON blocks USING gin (search_vector)`,
    );
    await queryRunner.query(`CREATE INDEX blocks_tags_idx ON blocks USING gin (tags)`);
    await queryRunner.query(
      `CREATE INDEX blocks_tenant_updated_idx ON blocks (tenant_id, updated_at, id) WHERE deleted_at IS NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX blocks_tenant_title_idx ON blocks (tenant_id, title, id) WHERE deleted_at IS NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX blocks_tenant_type_updated_idx ON blocks (tenant_id, type, updated_at, id) WHERE deleted_at IS NULL`,
    );
    // Title completion: a byte-wise (C collation) prefix range on lower(title), usable for
    // prefixes of any length, in title order, without a sort.
    await queryRunner.query(
      `CREATE INDEX blocks_tenant_title_prefix_idx ON blocks (tenant_id, (lower(title) COLLATE "C"), id) WHERE deleted_at IS NULL`,
    );
    // Fuzzy title matches (pg_trgm) for suggestions when the prefix finds too few.
    await queryRunner.query(
      `CREATE INDEX blocks_title_trgm_idx ON blocks USING gin (lower(title) gin_trgm_ops) WHERE deleted_at IS NULL`,
    );

    await queryRunner.query(`
      CREATE TABLE block_versions (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        block_id uuid NOT NULL,
        version integer NOT NULL,
        title text NOT NULL,
        content text NOT NULL,
        type text NOT NULL,
        tags text[] NOT NULL,
        metadata jsonb NOT NULL,
        deleted_at timestamptz(3),
        created_at timestamptz(3) NOT NULL,
        created_by uuid,
        CONSTRAINT block_versions_block_fkey FOREIGN KEY (tenant_id, block_id)
          REFERENCES blocks (tenant_id, id) ON DELETE CASCADE,
        CONSTRAINT block_versions_block_id_version_key UNIQUE (block_id, version)
      )
    `);
    await queryRunner.query(
      `CREATE INDEX block_versions_tenant_block_idx ON block_versions (tenant_id, block_id)`,
    );

    await queryRunner.query(`
      CREATE TABLE block_relations (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        source_id uuid NOT NULL,
        target_id uuid NOT NULL,
        type text NOT NULL CHECK (type IN ('references', 'contains', 'derived-from')),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        created_by uuid,
        -- Composite keys: an edge can only join two blocks of its own tenant.
        CONSTRAINT block_relations_source_fkey FOREIGN KEY (tenant_id, source_id)
          REFERENCES blocks (tenant_id, id) ON DELETE CASCADE,
        CONSTRAINT block_relations_target_fkey FOREIGN KEY (tenant_id, target_id)
          REFERENCES blocks (tenant_id, id) ON DELETE CASCADE,
        CONSTRAINT block_relations_not_self CHECK (source_id <> target_id),
        CONSTRAINT block_relations_source_target_type_key UNIQUE (source_id, target_id, type)
      )
    `);
    await queryRunner.query(
      `CREATE INDEX block_relations_tenant_source_idx ON block_relations (tenant_id, source_id, type)`,
    );
    await queryRunner.query(
      `CREATE INDEX block_relations_tenant_target_idx ON block_relations (tenant_id, target_id, type)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS block_relations`);
    await queryRunner.query(`DROP TABLE IF EXISTS block_versions`);
    await queryRunner.query(`DROP TABLE IF EXISTS blocks`);
    await queryRunner.query(`DROP FUNCTION IF EXISTS blocks_tags_text(text[])`);
  }
}
