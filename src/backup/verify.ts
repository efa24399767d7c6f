import { verifyAuditChain, type VerifyResult } from '../audit/audit.ts';
import type { Queryable } from '../db/database.ts';
import type { BackupHeader } from './format.ts';

export interface RestoreResult {
  header: BackupHeader;
  audit: VerifyResult;
  /** The restored trail ends exactly where the original's did when the backup was taken. */
  endsWhereBackupDid: boolean;
}

/**
 * A restored copy is checked at once: its audit chain must verify, and end at the head the
 * backup recorded — a copy that lost its newest entries would otherwise still verify.
 */
export async function checkRestored(db: Queryable, header: BackupHeader): Promise<RestoreResult> {
  const audit = await verifyAuditChain(db);
  const head = audit.head ?? { seq: 0, hash: '0'.repeat(64) };
  return { header, audit, endsWhereBackupDid: head.seq === header.auditHead.seq && head.hash === header.auditHead.hash };
}
