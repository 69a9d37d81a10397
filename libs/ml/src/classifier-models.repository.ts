import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { RequestContext } from '@app/common';

export type LabelSource = 'type' | 'tags';

export interface ClassifierModelRow {
  version: number;
  label_from: LabelSource;
  labels: Array<{ label: string; examples: number }>;
  examples: number;
  held_out: number;
  accuracy: number | null;
  trained_at: Date;
}

export type ClassifierModelWithBody = ClassifierModelRow & { model: string };

const COLUMNS = 'version, label_from, labels, examples, held_out, accuracy, trained_at';

/** The newest version of the tenant's model; the primary key's order makes it one index probe. */
const LATEST = `SELECT ${COLUMNS} FROM ml_classifier_models WHERE tenant_id = $1 ORDER BY version DESC LIMIT 1`;
const LATEST_WITH_MODEL = `SELECT ${COLUMNS}, model FROM ml_classifier_models WHERE tenant_id = $1 ORDER BY version DESC LIMIT 1`;

/**
 * Trainings of one tenant take turns on a transaction-scoped advisory lock, so two at once get
 * consecutive versions instead of a primary-key conflict; other tenants are never held up.
 */
const LOCK = `SELECT pg_advisory_xact_lock(hashtextextended('ml_classifier_models:' || $1::text, 0))`;
const INSERT = `
  INSERT INTO ml_classifier_models (tenant_id, version, label_from, labels, examples, held_out, accuracy, model, trained_by)
  SELECT $1, COALESCE(MAX(version), 0) + 1, $2, $3::jsonb, $4, $5, $6, $7, $8
  FROM ml_classifier_models WHERE tenant_id = $1
  RETURNING ${COLUMNS}`;

/** Tenants with at least one trained model (for the model-status gauge). */
const TRAINED_TENANTS = `SELECT count(DISTINCT tenant_id)::int AS n FROM ml_classifier_models`;

/** All SQL of stored classifier models, scoped by the request's tenant. */
@Injectable()
export class ClassifierModelsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  async latest(): Promise<ClassifierModelRow | undefined> {
    const rows: ClassifierModelRow[] = await this.dataSource.query(LATEST, [
      RequestContext.tenantId(),
    ]);
    return rows[0];
  }

  async latestWithModel(): Promise<ClassifierModelWithBody | undefined> {
    const rows: ClassifierModelWithBody[] = await this.dataSource.query(LATEST_WITH_MODEL, [
      RequestContext.tenantId(),
    ]);
    return rows[0];
  }

  async insert(
    manager: EntityManager,
    row: Omit<ClassifierModelWithBody, 'version' | 'trained_at'>,
    trainedBy: string | null,
  ): Promise<ClassifierModelRow> {
    const tenantId = RequestContext.tenantId();
    await manager.query(LOCK, [tenantId]);
    const rows: ClassifierModelRow[] = await manager.query(INSERT, [
      tenantId,
      row.label_from,
      JSON.stringify(row.labels),
      row.examples,
      row.held_out,
      row.accuracy,
      row.model,
      trainedBy,
    ]);
    return rows[0];
  }

  async trainedTenants(): Promise<number> {
    const rows: Array<{ n: number }> = await this.dataSource.query(TRAINED_TENANTS);
    return rows[0]?.n ?? 0;
  }
}
