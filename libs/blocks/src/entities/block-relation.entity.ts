import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A typed edge between two blocks of one tenant (table `block_relations`). */
@Entity({ name: 'block_relations' })
@Index('block_relations_source_target_type_key', ['sourceId', 'targetId', 'type'], {
  unique: true,
})
@Index('block_relations_tenant_source_idx', ['tenantId', 'sourceId', 'type'])
@Index('block_relations_tenant_target_idx', ['tenantId', 'targetId', 'type'])
export class BlockRelationEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid')
  tenantId!: string;

  @Column('uuid')
  sourceId!: string;

  @Column('uuid')
  targetId!: string;

  @Column('text')
  type!: string;

  @Column({ type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @Column('uuid', { nullable: true })
  createdBy!: string | null;
}
