import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A refresh token of a session, by its SHA-256 only; `usedAt` set once it was rotated. */
@Entity('refresh_tokens')
export class RefreshTokenEntity {
  @PrimaryColumn('bytea')
  tokenHash!: Buffer;

  @Column('uuid')
  sessionId!: string;

  @Column('timestamptz')
  issuedAt!: Date;

  @Column('timestamptz', { nullable: true })
  usedAt!: Date | null;

  /** The successor, encrypted, for the reuse grace window only. */
  @Column('bytea', { nullable: true })
  successorCiphertext!: Buffer | null;
}
