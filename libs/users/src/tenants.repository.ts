import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { type PreparedStatement, preparedQuery } from '@app/database';

export interface TenantRow {
  id: string;
  name: string;
}

const INSERT: PreparedStatement = {
  name: 'tenants_insert',
  text: `INSERT INTO tenants (id, name) VALUES ($1, $2) RETURNING id, name`,
};

/** Every query of the tenants table: a tenant is only ever made with its first admin. */
@Injectable()
export class TenantsRepository {
  async insert(tx: EntityManager, tenant: TenantRow): Promise<TenantRow> {
    const [row] = await preparedQuery<TenantRow>(tx, INSERT, [tenant.id, tenant.name]);
    return row;
  }
}
