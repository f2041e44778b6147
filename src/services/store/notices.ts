/**
 * What the store repaired or noticed on its own, in words for people: the CLI prints each on
 * stderr, the app shows them in a banner (the `storeNotices` API method).
 */
import path from 'node:path';
import type { StoreNoticeInfo } from '../../core/api/contract';
import type { CatalogOpenReport } from './catalog';

export type StoreNotice = StoreNoticeInfo;

export function notice(kind: StoreNotice['kind'], message: string): StoreNotice {
  return { kind, at: new Date().toISOString(), message };
}

/** One line saying what opening the catalog fixed, or undefined after a clean open. */
export function describeCatalogRepair(report: CatalogOpenReport): StoreNotice | undefined {
  const parts: string[] = [];
  const bad = report.badRecords;
  if (bad.length > 0) {
    const shown =
      bad.slice(0, 3).join('; ') + (bad.length > 3 ? `; and ${bad.length - 3} more` : '');
    parts.push(`set aside ${bad.length} damaged record${bad.length === 1 ? '' : 's'} (${shown})`);
  }
  if (report.corruptMovedTo !== undefined)
    parts.push(`kept the original as ${path.basename(report.corruptMovedTo)}`);
  const counted = (n: number, what: string) => n > 0 && parts.push(`${what}: ${n}`);
  counted(report.recoveredRunIds.length, 'runs restored from their folders');
  counted(report.droppedRunIds.length, 'runs dropped (folder gone)');
  counted(
    report.unreadableRunFolders.length,
    'run folders with an unreadable run.json, left on disk',
  );
  if (parts.length === 0) return undefined;
  return notice('catalog-repaired', `repaired catalog.json: ${parts.join('; ')}`);
}
