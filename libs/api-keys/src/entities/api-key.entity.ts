import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { ApiKeyScope } from '@app/common';

/** An API key: its public prefix and the SHA-256 of its secret (never the secret). */
@Entity('api_keys')
export class ApiKeyEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid')
  tenantId!: string;

  @Column('uuid')
  userId!: string;

  @Column('text')
  name!: string;

  @Column('text')
  prefix!: string;

  @Column('bytea', { select: false })
  secretHash!: Buffer;

  @Column('bytea', { nullable: true, select: false })
  previousSecretHash!: Buffer | null;

  @Column('timestamptz', { nullable: true })
  previousValidUntil!: Date | null;

  @Column('text', { array: true })
  scopes!: ApiKeyScope[];

  @Column('timestamptz', { nullable: true })
  expiresAt!: Date | null;

  @Column('integer', { nullable: true })
  rateLimitPerMinute!: number | null;

  @Column('timestamptz', { nullable: true })
  lastUsedAt!: Date | null;

  @Column('bigint', { default: 0 })
  usageCount!: string;

  @Column('timestamptz', { nullable: true })
  revokedAt!: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
