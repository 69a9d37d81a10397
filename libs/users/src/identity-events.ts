import type { EntityManager } from 'typeorm';

/** LISTEN/NOTIFY channel on which every replica hears that cached identity state changed. */
export const IDENTITY_CHANNEL = 'cb_identity';

/** `user`: role, activity or existence changed; `session` and `api_key`: revoked or rotated. */
export interface IdentityEvent {
  kind: 'user' | 'session' | 'api_key';
  id: string;
}

/** Runs inside the transaction that deactivates or erases a user (sessions, keys). */
export type UserEndedHook = (manager: EntityManager, userId: string) => Promise<void>;
