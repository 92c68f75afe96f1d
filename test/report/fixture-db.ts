// A small real SQLite database for the report's CLI and browser tests, written through the Store interface.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteStore } from '../../src/store/index.js';
import type { CatalogEntry } from '../../src/types.js';
import type { CountRow, SampleRow } from '../../src/store/types.js';

const H = 3600;

export const ENTRIES: CatalogEntry[] = [
  { vendor: 'dwt', code: -2326, name: null, message: 'The current product key has expired, please contact the site administrator', alternates: [], category: 'license', severity: 'error' },
  { vendor: 'dls', code: -20111, name: null, message: 'Failed to connect to the license server', alternates: [], category: 'network', severity: 'critical' },
  { vendor: 'qlm', code: 209, name: 'License_Expired', message: 'The license has expired', alternates: [], category: 'license', severity: 'warning' },
  { vendor: 'pallycon', code: 7011, name: null, message: 'Invalid token | check the <token>', alternates: [], category: 'token', severity: 'info' },
];
export const PRODUCTS = { dwt: 'Dynamic Web TWAIN', dls: 'Dynamsoft License Server', qlm: 'Quick License Manager', pallycon: 'PallyCon' };

export const SCRIPT_LINE = '2026-11-16T13:00:00Z ERROR [webtwain] <script>document.title="pwned";window.__pwned=1</script> ErrorCode=-2326';

function row(vendor: string, code: number, iso: string, count: number, source = 'app.log'): CountRow {
  const t = Date.parse(iso) / 1000;
  return { bucket: Math.floor(t / H) * H, vendor, code, source, host: '', count, firstSeen: iso.replace('Z', '.000Z'), lastSeen: iso.replace('Z', '.000Z') };
}

/** The 7 days before 2026-11-16 are quiet; on the 16th dwt:-2326 spikes and dls:-20111 is new. */
export const COUNTS: CountRow[] = [
  ...[9, 10, 11, 12, 13, 14, 15].flatMap((d) => [
    row('dwt', -2326, `2026-11-${String(d).padStart(2, '0')}T08:00:00Z`, 2),
    row('pallycon', 7011, `2026-11-${String(d).padStart(2, '0')}T12:00:00Z`, 3, 'drm.log'),
  ]),
  row('qlm', 209, '2026-11-15T10:00:00Z', 20),
  row('dwt', -2326, '2026-11-16T00:00:00Z', 10),
  row('dwt', -2326, '2026-11-16T13:00:00Z', 20),
  row('dls', -20111, '2026-11-16T23:59:59Z', 5),
  row('qlm', 209, '2026-11-16T09:15:00Z', 8),
  row('pallycon', 7011, '2026-11-16T12:00:00Z', 4, 'drm.log'),
  row('dwt', -9999, '2026-11-16T05:00:00Z', 3),
];

export const SAMPLES: SampleRow[] = [
  { vendor: 'dwt', code: -2326, ts: '2026-11-16T13:00:00.000Z', source: 'app.log', line: 42, text: SCRIPT_LINE },
  { vendor: 'qlm', code: 209, ts: '2026-11-16T09:15:00.000Z', source: 'app.log', line: 7, text: '2026-11-16T09:15:00Z ERROR QlmLicense: ActivateLicense failed: License_Expired (209)' },
];

export function tmpDir(prefix = 'errscan-report-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function fixtureDb(dir: string, extra: CountRow[] = []): Promise<string> {
  const db = path.join(dir, 'errscan.db');
  const s = SqliteStore.open(db);
  try {
    await s.syncCatalog(ENTRIES, PRODUCTS);
    await s.writeBatch({ counts: [...COUNTS, ...extra], samples: SAMPLES, checkpoints: [] });
  } finally {
    await s.close();
  }
  return db;
}

export { row as countRow };
