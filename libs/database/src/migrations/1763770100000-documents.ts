import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Templates, documents and their stored assemblies. Each write inserts the full new state into
 * a `*_versions` table too (current version included), so `?version=n` and "documents keep the
 * template version they were made from" are one primary-key read, even after a delete.
 */
export class Documents1763770100000 implements MigrationInterface {
  name = 'Documents1763770100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE templates (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        name text NOT NULL,
        description text NOT NULL DEFAULT '',
        variables jsonb NOT NULL,
        nodes jsonb NOT NULL,
        version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        created_by uuid,
        updated_by uuid,
        deleted_at timestamptz(3),
        CONSTRAINT templates_tenant_id_id_key UNIQUE (tenant_id, id)
      )
    `);
    await queryRunner.query(
      `CREATE INDEX templates_tenant_name_idx ON templates (tenant_id, name, id) WHERE deleted_at IS NULL`,
    );
    // Where-used of a block: containment of {"blockId": ...} in the node list.
    await queryRunner.query(
      `CREATE INDEX templates_nodes_idx ON templates USING gin (nodes jsonb_path_ops) WHERE deleted_at IS NULL`,
    );
    await queryRunner.query(`
      CREATE TABLE template_versions (
        tenant_id uuid NOT NULL,
        template_id uuid NOT NULL,
        version integer NOT NULL,
        name text NOT NULL,
        description text NOT NULL,
        variables jsonb NOT NULL,
        nodes jsonb NOT NULL,
        created_at timestamptz(3) NOT NULL,
        created_by uuid,
        PRIMARY KEY (template_id, version),
        CONSTRAINT template_versions_template_fkey FOREIGN KEY (tenant_id, template_id)
          REFERENCES templates (tenant_id, id) ON DELETE CASCADE
      )
    `);

    await queryRunner.query(`
      CREATE TABLE documents (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        title text NOT NULL,
        template_id uuid,
        template_version integer,
        variables jsonb NOT NULL DEFAULT '{}',
        slots jsonb NOT NULL DEFAULT '{}',
        nodes jsonb NOT NULL,
        version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        created_by uuid,
        updated_by uuid,
        deleted_at timestamptz(3),
        CONSTRAINT documents_tenant_id_id_key UNIQUE (tenant_id, id),
        CONSTRAINT documents_template_fkey FOREIGN KEY (tenant_id, template_id)
          REFERENCES templates (tenant_id, id)
      )
    `);
    await queryRunner.query(
      `CREATE INDEX documents_tenant_updated_idx ON documents (tenant_id, updated_at DESC, id DESC) WHERE deleted_at IS NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX documents_tenant_template_idx ON documents (tenant_id, template_id) WHERE deleted_at IS NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX documents_nodes_idx ON documents USING gin (nodes jsonb_path_ops) WHERE deleted_at IS NULL`,
    );
    await queryRunner.query(`
      CREATE TABLE document_versions (
        tenant_id uuid NOT NULL,
        document_id uuid NOT NULL,
        version integer NOT NULL,
        title text NOT NULL,
        template_id uuid,
        template_version integer,
        variables jsonb NOT NULL,
        slots jsonb NOT NULL,
        nodes jsonb NOT NULL,
        created_at timestamptz(3) NOT NULL,
        created_by uuid,
        PRIMARY KEY (document_id, version),
        CONSTRAINT document_versions_document_fkey FOREIGN KEY (tenant_id, document_id)
          REFERENCES documents (tenant_id, id) ON DELETE CASCADE
      )
    `);
    await queryRunner.query(`
      CREATE TABLE document_assemblies (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        document_id uuid NOT NULL,
        document_version integer NOT NULL,
        title text NOT NULL,
        markdown text NOT NULL,
        toc jsonb NOT NULL,
        manifest jsonb NOT NULL,
        warnings jsonb NOT NULL,
        options jsonb NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        created_by uuid,
        CONSTRAINT document_assemblies_document_fkey FOREIGN KEY (tenant_id, document_id)
          REFERENCES documents (tenant_id, id) ON DELETE CASCADE
      )
    `);
    await queryRunner.query(
      `CREATE INDEX document_assemblies_document_idx ON document_assemblies (tenant_id, document_id, created_at DESC, id DESC)`,
    );
    // Assemblies are immutable: the database refuses to change one, whatever the code does.
    await queryRunner.query(`
      CREATE FUNCTION document_assemblies_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'document assemblies are immutable' USING ERRCODE = '55000';
      END $$
    `);
    await queryRunner.query(`
      CREATE TRIGGER document_assemblies_no_update BEFORE UPDATE ON document_assemblies
        FOR EACH ROW EXECUTE FUNCTION document_assemblies_immutable()
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE document_assemblies`);
    await queryRunner.query(`DROP FUNCTION document_assemblies_immutable`);
    await queryRunner.query(`DROP TABLE document_versions`);
    await queryRunner.query(`DROP TABLE documents`);
    await queryRunner.query(`DROP TABLE template_versions`);
    await queryRunner.query(`DROP TABLE templates`);
  }
}
