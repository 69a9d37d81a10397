import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The audit trail: an append-only, per-tenant hash chain.
 *
 * - `seq` orders each tenant's chain; UNIQUE (tenant_id, seq) makes a fork impossible even if a
 *   writer skipped the advisory lock.
 * - No foreign key to tenants: entries outlive their tenant's rows.
 * - A trigger refuses UPDATE, DELETE and TRUNCATE for everyone; only `audit_purge()` may delete,
 *   and only a whole prefix of a tenant's chain, recording the last removed hash in
 *   `audit_anchors` so the rest still verifies.
 * Plain SQL that runs on PostgreSQL 15 to 18.
 */
export class Audit1763769900000 implements MigrationInterface {
  name = 'Audit1763769900000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE audit_log (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        seq bigint NOT NULL CHECK (seq > 0),
        "timestamp" timestamptz NOT NULL,
        user_id uuid,
        username text,
        api_key_id uuid,
        action text NOT NULL,
        resource_type text,
        resource_id text,
        method text,
        path text,
        status_code integer,
        duration_ms double precision,
        ip text,
        user_agent text,
        request_id text,
        severity text NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
        changes jsonb,
        error text,
        personal_digest text NOT NULL,
        pseudonymised boolean NOT NULL DEFAULT false,
        prev_hash text NOT NULL,
        hash text NOT NULL,
        CONSTRAINT audit_log_tenant_seq_uq UNIQUE (tenant_id, seq)
      )`);
    // One index per filter of the Audit API; each ends with seq so it also serves the ordering.
    await queryRunner.query(
      `CREATE INDEX audit_log_tenant_time_idx ON audit_log (tenant_id, "timestamp")`,
    );
    await queryRunner.query(
      `CREATE INDEX audit_log_tenant_user_idx ON audit_log (tenant_id, user_id, seq)`,
    );
    await queryRunner.query(
      `CREATE INDEX audit_log_tenant_action_idx ON audit_log (tenant_id, action, seq)`,
    );
    await queryRunner.query(
      `CREATE INDEX audit_log_tenant_resource_idx ON audit_log (tenant_id, resource_type, resource_id, seq)`,
    );
    await queryRunner.query(
      `CREATE INDEX audit_log_tenant_severity_idx ON audit_log (tenant_id, severity, seq)`,
    );
    await queryRunner.query(
      `CREATE INDEX audit_log_tenant_status_idx ON audit_log (tenant_id, status_code, seq)`,
    );

    await queryRunner.query(`
      CREATE TABLE audit_anchors (
        tenant_id uuid PRIMARY KEY,
        seq bigint NOT NULL,
        hash text NOT NULL,
        removed bigint NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);

    await queryRunner.query(`
      CREATE FUNCTION audit_log_refuse_change() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' AND current_setting('audit.purge', true) = 'on' THEN
          RETURN OLD;
        END IF;
        -- Pseudonymisation may only erase the actor's personal data, nothing else.
        IF TG_OP = 'UPDATE' AND current_setting('audit.pseudonymise', true) = 'on'
           AND NEW.pseudonymised AND NEW.username IS NULL AND NEW.ip IS NULL
           AND NEW.user_agent IS NULL
           AND to_jsonb(NEW) - ARRAY['username', 'ip', 'user_agent', 'pseudonymised']
             = to_jsonb(OLD) - ARRAY['username', 'ip', 'user_agent', 'pseudonymised'] THEN
          RETURN NEW;
        END IF;
        RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER audit_log_append_only
      BEFORE UPDATE OR DELETE ON audit_log
      FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()`);
    await queryRunner.query(`
      CREATE TRIGGER audit_log_no_truncate
      BEFORE TRUNCATE ON audit_log
      FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()`);

    // Removes the oldest part of one tenant's chain: every entry before the first one that is
    // younger than the cutoff (so nothing younger is ever removed and the rest stays contiguous),
    // and moves the anchor to the last removed entry. The flag is transaction-local and is
    // switched off again before returning.
    await queryRunner.query(`
      CREATE FUNCTION audit_purge(p_tenant uuid, p_older_than_days integer) RETURNS bigint
      LANGUAGE plpgsql AS $$
      DECLARE
        v_cutoff timestamptz;
        v_first_kept bigint;
        v_last record;
        v_count bigint;
      BEGIN
        IF p_older_than_days IS NULL OR p_older_than_days < 1 THEN
          RAISE EXCEPTION 'audit_purge: older_than_days must be at least 1'
            USING ERRCODE = 'invalid_parameter_value';
        END IF;
        PERFORM pg_advisory_xact_lock(hashtext(p_tenant::text));
        v_cutoff := now() - make_interval(days => p_older_than_days);
        SELECT min(seq) INTO v_first_kept FROM audit_log
          WHERE tenant_id = p_tenant AND "timestamp" >= v_cutoff;
        SELECT seq, hash INTO v_last FROM audit_log
          WHERE tenant_id = p_tenant AND (v_first_kept IS NULL OR seq < v_first_kept)
          ORDER BY seq DESC LIMIT 1;
        IF NOT FOUND THEN
          RETURN 0;
        END IF;
        PERFORM set_config('audit.purge', 'on', true);
        DELETE FROM audit_log WHERE tenant_id = p_tenant AND seq <= v_last.seq;
        GET DIAGNOSTICS v_count = ROW_COUNT;
        PERFORM set_config('audit.purge', 'off', true);
        INSERT INTO audit_anchors (tenant_id, seq, hash, removed, updated_at)
          VALUES (p_tenant, v_last.seq, v_last.hash, v_count, now())
          ON CONFLICT (tenant_id) DO UPDATE
            SET seq = EXCLUDED.seq, hash = EXCLUDED.hash,
                removed = audit_anchors.removed + EXCLUDED.removed, updated_at = now();
        RETURN v_count;
      END $$`);

    // Erases a user's personal data (username, IP, user agent) from the entries they made; the
    // chain covers those fields through personal_digest, so it still verifies.
    await queryRunner.query(`
      CREATE FUNCTION audit_pseudonymise(p_tenant uuid, p_user uuid) RETURNS bigint
      LANGUAGE plpgsql AS $$
      DECLARE
        v_count bigint;
      BEGIN
        PERFORM set_config('audit.pseudonymise', 'on', true);
        UPDATE audit_log SET username = NULL, ip = NULL, user_agent = NULL, pseudonymised = true
          WHERE tenant_id = p_tenant AND user_id = p_user AND NOT pseudonymised;
        GET DIAGNOSTICS v_count = ROW_COUNT;
        PERFORM set_config('audit.pseudonymise', 'off', true);
        RETURN v_count;
      END $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION IF EXISTS audit_pseudonymise(uuid, uuid)`);
    await queryRunner.query(`DROP FUNCTION IF EXISTS audit_purge(uuid, integer)`);
    await queryRunner.query(`DROP TABLE IF EXISTS audit_anchors`);
    await queryRunner.query(`DROP TABLE IF EXISTS audit_log`);
    await queryRunner.query(`DROP FUNCTION IF EXISTS audit_log_refuse_change()`);
  }
}
