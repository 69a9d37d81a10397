import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Identity: tenants, users, sessions (refresh-token families), refresh tokens (hashes only) and
 * API keys (prefix + SHA-256 of the secret). Ids are UUID v7 made by the app (PostgreSQL 15..18).
 */
export class Identity1763769700000 implements MigrationInterface {
  name = 'Identity1763769700000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE tenants (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        email text NOT NULL,
        username text NOT NULL,
        display_name text,
        password_hash text NOT NULL,
        role text NOT NULL CHECK (role IN ('admin', 'user', 'guest')),
        is_active boolean NOT NULL DEFAULT true,
        password_changed_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX users_email_lower_uq ON users (lower(email))`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX users_username_lower_uq ON users (lower(username))`,
    );
    await queryRunner.query(`CREATE INDEX users_tenant_id_id_idx ON users (tenant_id, id)`);
    await queryRunner.query(`CREATE INDEX users_tenant_id_role_idx ON users (tenant_id, role)`);
    await queryRunner.query(`
      CREATE TABLE sessions (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        revoked_reason text,
        ip text,
        user_agent text,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_refreshed_at timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX sessions_user_id_idx ON sessions (user_id)`);
    await queryRunner.query(`CREATE INDEX sessions_tenant_id_idx ON sessions (tenant_id)`);
    await queryRunner.query(`
      CREATE TABLE refresh_tokens (
        token_hash bytea PRIMARY KEY,
        session_id uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        issued_at timestamptz NOT NULL DEFAULT now(),
        used_at timestamptz,
        successor_ciphertext bytea
      )`);
    await queryRunner.query(
      `CREATE INDEX refresh_tokens_session_id_idx ON refresh_tokens (session_id)`,
    );
    await queryRunner.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        name text NOT NULL,
        prefix text NOT NULL,
        secret_hash bytea NOT NULL,
        previous_secret_hash bytea,
        previous_valid_until timestamptz,
        scopes text[] NOT NULL CHECK (scopes <@ ARRAY['read', 'write', 'admin']::text[]),
        expires_at timestamptz,
        rate_limit_per_minute integer CHECK (rate_limit_per_minute > 0),
        last_used_at timestamptz,
        usage_count bigint NOT NULL DEFAULT 0,
        revoked_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX api_keys_prefix_uq ON api_keys (prefix)`);
    await queryRunner.query(`CREATE INDEX api_keys_user_id_idx ON api_keys (user_id, id)`);
    await queryRunner.query(`CREATE INDEX api_keys_tenant_id_idx ON api_keys (tenant_id, id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS api_keys`);
    await queryRunner.query(`DROP TABLE IF EXISTS refresh_tokens`);
    await queryRunner.query(`DROP TABLE IF EXISTS sessions`);
    await queryRunner.query(`DROP TABLE IF EXISTS users`);
    await queryRunner.query(`DROP TABLE IF EXISTS tenants`);
  }
}
