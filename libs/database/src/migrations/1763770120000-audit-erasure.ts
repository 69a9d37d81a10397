import { type MigrationInterface, type QueryRunner } from 'typeorm';
import { refuseChangeFunction } from './1763770000000-audit-sealing';

/**
 * Erasure reaches the personal data an entry holds about its subject, not only its actor's.
 *
 * `user.create` and `user.update` entries carry the user's email, username and display name in
 * `changes`, often recorded by someone else (an admin, the bootstrap). From this migration on the
 * chain hashes each of those values through a per-entry digest (`erased:sha256:<hex>` of
 * `<entry id>:<field>:<value>`), so erasure may replace the value by that same digest and every
 * hash still verifies, while any other edit of `changes` breaks one.
 *
 * - `changes_digested` says an entry was hashed that way: true for every entry written from now
 *   on, false for the entries written before (their hash covers the values themselves, so erasing
 *   those would break the chain: they keep them, and the column tells them apart).
 * - `audit_scrub_personal` computes the replacement; the app computes the same bytes when it
 *   hashes, and the append-only trigger accepts an erasure only if it is exactly this.
 */
const PERSONAL_FIELDS = `ARRAY['email', 'username', 'displayName']`;

const SCRUB_FUNCTION = `
  CREATE FUNCTION audit_scrub_personal(p_id uuid, p_changes jsonb) RETURNS jsonb
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN jsonb_typeof(p_changes) IS DISTINCT FROM 'object' THEN p_changes ELSE (
      SELECT COALESCE(jsonb_object_agg(side, CASE
        WHEN side IN ('before', 'after') AND jsonb_typeof(value) = 'object' THEN (
          SELECT COALESCE(jsonb_object_agg(k, CASE
            WHEN k = ANY(${PERSONAL_FIELDS}) AND jsonb_typeof(v) = 'string'
                 AND left(v #>> '{}', 14) <> 'erased:sha256:'
            THEN to_jsonb('erased:sha256:' || encode(sha256(convert_to(
                   p_id::text || ':' || k || ':' || (v #>> '{}'), 'UTF8')), 'hex'))
            ELSE v END), '{}'::jsonb)
          FROM jsonb_each(value) AS f(k, v))
        ELSE value END), '{}'::jsonb)
      FROM jsonb_each(p_changes) AS s(side, value))
    END
  $$`;

const REFUSE_CHANGE_FUNCTION = `
  CREATE OR REPLACE FUNCTION audit_log_refuse_change() RETURNS trigger
  LANGUAGE plpgsql AS $$
  BEGIN
    IF TG_OP = 'DELETE' AND current_setting('audit.purge', true) = 'on' THEN
      RETURN OLD;
    END IF;
    -- Sealing may only give an unsealed entry its place in the chain, once.
    IF TG_OP = 'UPDATE' AND current_setting('audit.seal', true) = 'on'
       AND OLD.seq IS NULL AND NEW.seq IS NOT NULL
       AND to_jsonb(NEW) - ARRAY['seq', 'prev_hash', 'hash']
         = to_jsonb(OLD) - ARRAY['seq', 'prev_hash', 'hash'] THEN
      RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' AND current_setting('audit.pseudonymise', true) = 'on' THEN
      -- Erase the actor's personal data, nothing else.
      IF NEW.pseudonymised AND NEW.username IS NULL AND NEW.ip IS NULL
         AND NEW.user_agent IS NULL
         AND to_jsonb(NEW) - ARRAY['username', 'ip', 'user_agent', 'pseudonymised']
           = to_jsonb(OLD) - ARRAY['username', 'ip', 'user_agent', 'pseudonymised'] THEN
        RETURN NEW;
      END IF;
      -- Replace the subject's personal values in changes by their digests, nothing else.
      IF OLD.changes_digested AND NEW.changes = audit_scrub_personal(OLD.id, OLD.changes)
         AND to_jsonb(NEW) - 'changes' = to_jsonb(OLD) - 'changes' THEN
        RETURN NEW;
      END IF;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
      USING ERRCODE = 'insufficient_privilege';
  END $$`;

// The actor's entries lose username, IP and user agent; the entries about the user (as the
// resource) lose the personal values in their changes. Returns the entries changed.
const PSEUDONYMISE_FUNCTION = `
  CREATE OR REPLACE FUNCTION audit_pseudonymise(p_tenant uuid, p_user uuid) RETURNS bigint
  LANGUAGE plpgsql AS $$
  DECLARE
    v_actor bigint;
    v_subject bigint;
  BEGIN
    PERFORM set_config('audit.pseudonymise', 'on', true);
    UPDATE audit_log SET username = NULL, ip = NULL, user_agent = NULL, pseudonymised = true
      WHERE tenant_id = p_tenant AND user_id = p_user AND NOT pseudonymised;
    GET DIAGNOSTICS v_actor = ROW_COUNT;
    UPDATE audit_log SET changes = audit_scrub_personal(id, changes)
      WHERE tenant_id = p_tenant AND resource_type = 'user' AND resource_id = p_user::text
        AND changes_digested AND changes IS NOT NULL
        AND changes IS DISTINCT FROM audit_scrub_personal(id, changes);
    GET DIAGNOSTICS v_subject = ROW_COUNT;
    PERFORM set_config('audit.pseudonymise', 'off', true);
    RETURN v_actor + v_subject;
  END $$`;

const PSEUDONYMISE_ACTOR_ONLY = `
  CREATE OR REPLACE FUNCTION audit_pseudonymise(p_tenant uuid, p_user uuid) RETURNS bigint
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
  END $$`;

export class AuditErasure1763770120000 implements MigrationInterface {
  name = 'AuditErasure1763770120000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Existing entries false, every later insert true (the writer never names the column).
    await queryRunner.query(
      `ALTER TABLE audit_log ADD COLUMN changes_digested boolean NOT NULL DEFAULT false`,
    );
    await queryRunner.query(`ALTER TABLE audit_log ALTER COLUMN changes_digested SET DEFAULT true`);
    // The subject's entries are found by resource; only user entries are ever scrubbed.
    await queryRunner.query(
      `CREATE INDEX audit_log_user_resource_idx ON audit_log (tenant_id, resource_id)
       WHERE resource_type = 'user'`,
    );
    await queryRunner.query(SCRUB_FUNCTION);
    await queryRunner.query(REFUSE_CHANGE_FUNCTION);
    await queryRunner.query(PSEUDONYMISE_FUNCTION);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(PSEUDONYMISE_ACTOR_ONLY);
    await queryRunner.query(refuseChangeFunction(true));
    await queryRunner.query(`DROP FUNCTION audit_scrub_personal(uuid, jsonb)`);
    await queryRunner.query(`DROP INDEX audit_log_user_resource_idx`);
    await queryRunner.query(`ALTER TABLE audit_log DROP COLUMN changes_digested`);
  }
}
