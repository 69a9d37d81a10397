import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { Role } from '@app/common';

/** A user of one tenant. `passwordHash` never leaves UsersService. */
@Entity('users')
export class UserEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid')
  tenantId!: string;

  @Column('text')
  email!: string;

  @Column('text')
  username!: string;

  @Column('text', { nullable: true })
  displayName!: string | null;

  @Column('text', { select: false })
  passwordHash!: string;

  @Column('text')
  role!: Role;

  @Column('boolean', { default: true })
  isActive!: boolean;

  @Column('timestamptz')
  passwordChangedAt!: Date;

  /** Set when the account was erased; personal fields are pseudonymised then. */
  @Column('timestamptz', { nullable: true })
  deletedAt!: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
