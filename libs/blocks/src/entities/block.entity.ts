import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A content block (table `blocks`, created by migration 1763769800000-blocks). Hot reads use
 * lean SQL instead of this entity; it documents the table and serves TypeORM's metadata.
 * `search_vector` is a generated column that only the database writes, so it is not mapped.
 */
@Entity({ name: 'blocks' })
@Index('blocks_tenant_updated_idx', ['tenantId', 'updatedAt', 'id'])
@Index('blocks_tenant_title_idx', ['tenantId', 'title', 'id'])
export class BlockEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid')
  tenantId!: string;

  @Column('text')
  title!: string;

  @Column('text')
  content!: string;

  @Column('text')
  type!: string;

  @Column('text', { array: true })
  tags!: string[];

  @Column('jsonb')
  metadata!: Record<string, unknown>;

  @Column('integer')
  version!: number;

  @Column({ type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @Column({ type: 'timestamptz', precision: 3 })
  updatedAt!: Date;

  @Column('uuid', { nullable: true })
  createdBy!: string | null;

  @Column('uuid', { nullable: true })
  updatedBy!: string | null;

  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  deletedAt!: Date | null;
}
