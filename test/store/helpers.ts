// Small builders shared by the store and aggregate tests.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Batch, CountRow, SampleRow } from '../../src/store/types.js';

export function tmpDir(prefix = 'errscan-store-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function count(over: Partial<CountRow> = {}): CountRow {
  return {
    bucket: 1_795_219_200, // 2026-11-21T00:00:00Z
    vendor: 'dwt',
    code: -2326,
    source: 'app.log',
    host: '',
    count: 1,
    firstSeen: '2026-11-21T00:10:00.000Z',
    lastSeen: '2026-11-21T00:10:00.000Z',
    ...over,
  };
}

export function sample(over: Partial<SampleRow> = {}): SampleRow {
  return { vendor: 'dwt', code: -2326, ts: '2026-11-21T00:10:00.000Z', source: 'app.log', line: 1, text: 'ErrorCode=-2326', ...over };
}

export function batch(over: Partial<Batch> = {}): Batch {
  return { counts: [], samples: [], checkpoints: [], ...over };
}
