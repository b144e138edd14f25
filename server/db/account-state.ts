// Storage: scim_users status columns <-> the engine's account state (engine/status.ts), so that
// the server reads rows, lets the engine decide, and writes the decision back.

import type { AccountState } from '../../engine/status.ts';
import type { UserRow, UserStatus } from './tables.ts';

/** The status columns of `scim_users`. */
export interface StatusColumns {
  readonly status: UserStatus;
  readonly deactivated_at: Date | null;
  readonly reason: string | null;
}

/** The engine's state of a stored account. */
export function accountStateOf(row: Pick<UserRow, 'status' | 'deactivated_at' | 'reason'>): AccountState {
  return { status: row.status, deactivatedAt: row.deactivated_at, reason: row.reason };
}

/** The columns that store an engine state. */
export function statusColumns(state: AccountState): StatusColumns {
  return { status: state.status, deactivated_at: state.deactivatedAt, reason: state.reason };
}
