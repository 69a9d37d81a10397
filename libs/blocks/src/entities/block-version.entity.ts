import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** The full state a block had in one of its earlier versions (table `block_versions`). */
@Entity({ name: 'block_versions' })
@Index('block_versions_block_id_version_key', ['blockId', 'version'], { unique: true })
@Index('block_versions_tenant_block_idx', ['tenantId', 'blockId'])
export class BlockVersionEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid')
  tenantId!: string;

  @Column('uuid')
  blockId!: string;

  @Column('integer')
  version!: number;

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

  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  deletedAt!: Date | null;

  /** When this version was made (the block's updated_at at the time). */
  @Column({ type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @Column('uuid', { nullable: true })
  createdBy!: string | null;
}
