import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Block embeddings and their outbox. A vector is kept per (block, model, dimensions) with the
 * SHA-256 of the text it was made from, so a model change never mixes vectors and an unchanged
 * text is never embedded twice. A trigger on blocks fills the outbox (insert, a change of title
 * or content, delete and restore), which keeps the embeddings module independent of the blocks
 * module; pollers on every replica drain it with FOR UPDATE SKIP LOCKED. Hard deletes cascade.
 * `vector` is float32 little-endian, unit length; NULL where pgvector holds the vector instead.
 */
export class Embeddings1763770500000 implements MigrationInterface {
  name = 'Embeddings1763770500000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE block_embeddings (
        tenant_id uuid NOT NULL,
        block_id uuid NOT NULL,
        model text NOT NULL,
        dimensions integer NOT NULL CHECK (dimensions > 0),
        content_hash bytea NOT NULL,
        vector bytea CHECK (vector IS NULL OR length(vector) = 4 * dimensions),
        embedded_at timestamptz(3) NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, model, dimensions, block_id),
        FOREIGN KEY (tenant_id, block_id) REFERENCES blocks (tenant_id, id) ON DELETE CASCADE
      )
    `);
    // The foreign key's own index: cascades and per-block lookups.
    await queryRunner.query(
      `CREATE INDEX block_embeddings_block_idx ON block_embeddings (tenant_id, block_id)`,
    );
    await queryRunner.query(`
      CREATE TABLE embedding_outbox (
        tenant_id uuid NOT NULL,
        block_id uuid NOT NULL,
        enqueued_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        available_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        attempts integer NOT NULL DEFAULT 0,
        PRIMARY KEY (tenant_id, block_id),
        FOREIGN KEY (tenant_id, block_id) REFERENCES blocks (tenant_id, id) ON DELETE CASCADE
      )
    `);
    await queryRunner.query(
      `CREATE INDEX embedding_outbox_available_idx ON embedding_outbox (available_at)`,
    );
    // A second change before the poller ran moves enqueued_at on, so a poller that embedded the
    // older text leaves the row for the next round.
    await queryRunner.query(`
      CREATE FUNCTION blocks_enqueue_embedding() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO embedding_outbox (tenant_id, block_id) VALUES (NEW.tenant_id, NEW.id)
        ON CONFLICT (tenant_id, block_id) DO UPDATE
          SET enqueued_at = clock_timestamp(), available_at = clock_timestamp(), attempts = 0;
        RETURN NULL;
      END $$
    `);
    await queryRunner.query(`
      CREATE TRIGGER blocks_enqueue_embedding_insert AFTER INSERT ON blocks
      FOR EACH ROW EXECUTE FUNCTION blocks_enqueue_embedding()
    `);
    await queryRunner.query(`
      CREATE TRIGGER blocks_enqueue_embedding_update AFTER UPDATE OF title, content, deleted_at ON blocks
      FOR EACH ROW
      WHEN (OLD.title IS DISTINCT FROM NEW.title OR OLD.content IS DISTINCT FROM NEW.content
            OR (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL))
      EXECUTE FUNCTION blocks_enqueue_embedding()
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER blocks_enqueue_embedding_update ON blocks`);
    await queryRunner.query(`DROP TRIGGER blocks_enqueue_embedding_insert ON blocks`);
    await queryRunner.query(`DROP FUNCTION blocks_enqueue_embedding()`);
    await queryRunner.query(`DROP TABLE embedding_outbox`);
    await queryRunner.query(`DROP TABLE block_embeddings`);
  }
}
