// Several processes on one database: WAL lets readers read while writers write, and the busy timeout
// with short IMMEDIATE transactions lets two writers interleave with exact totals.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { SqliteStore } from '../../src/store/index.js';
import { tmpDir } from './helpers.js';

// A writer process: `batches` transactions through the StoreSink, each sealing `perBatch` events of its source.
const WRITER = `
const { SqliteStore } = await import(${JSON.stringify(path.join(ROOT, 'dist/store/index.js'))});
const { StoreSink } = await import(${JSON.stringify(path.join(ROOT, 'dist/aggregate/index.js'))});
const [file, label, batches, perBatch] = process.argv.slice(1);
const store = SqliteStore.open(file);
const sink = new StoreSink(store, { flushMs: 0 });
for (let b = 0; b < Number(batches); b++) {
  for (let i = 0; i < Number(perBatch); i++) {
    const h = String(i % 24).padStart(2, '0');
    sink.event({ vendor: 'dwt', product: 'DWT', code: -2000 - (i % 7), known: true, name: null, message: 'm', category: 'c',
      severity: 'error', ts: '2026-11-21T' + h + ':00:00.000Z', source: label, line: i + 1, text: 'x' });
  }
  sink.checkpoint({ source: label, path: '/l/' + label, dev: 1, ino: label.length * 1000 + 1, offset: (b + 1) * 100, lines: (b + 1) * 10 });
  await sink.flush();
}
await sink.close({ bytes: 0, lines: 0, hits: 0, unknown: 0, skipped: 0, oversized: 0, errors: 0 });
await store.close();
`;

function runNode(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--input-type=module', '-e', WRITER, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (code) => resolve({ code, stderr }));
  });
}

let dir: string;
beforeAll(() => {
  dir = tmpDir('errscan-conc-');
  if (!fs.existsSync(path.join(ROOT, 'dist/aggregate/index.js'))) throw new Error('run npm run build first');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('concurrent processes', () => {
  it('two writers at once both succeed with exact totals, while a reader keeps reading', async () => {
    const file = path.join(dir, 'shared.db');
    SqliteStore.open(file).close();
    const reader = SqliteStore.open(file, { readonly: true });
    const writers = Promise.all([runNode([file, 'a.log', '150', '200']), runNode([file, 'bb.log', '150', '200'])]);
    let done = false;
    void writers.then(() => (done = true));
    let reads = 0;
    let last = 0;
    while (!done) {
      const total = (await reader.counts({ from: 0, to: 2e9 })).reduce((n, r) => n + r.count, 0);
      // A reader sees whole batches only, and never goes backwards.
      expect(total % 200).toBe(0);
      expect(total).toBeGreaterThanOrEqual(last);
      last = total;
      reads++;
      await new Promise((r) => setTimeout(r, 5));
    }
    const results = await writers;
    expect(results).toEqual([
      { code: 0, stderr: '' },
      { code: 0, stderr: '' },
    ]);
    expect(reads).toBeGreaterThan(1);
    const bySource = reader.db.prepare('SELECT source, sum(count) AS n FROM counts GROUP BY source ORDER BY source').all();
    expect(bySource).toEqual([
      { source: 'a.log', n: 150 * 200 },
      { source: 'bb.log', n: 150 * 200 },
    ]);
    expect(reader.db.prepare('SELECT source, offset, lines FROM sources ORDER BY source').all()).toEqual([
      { source: 'a.log', offset: 15000, lines: 1500 },
      { source: 'bb.log', offset: 15000, lines: 1500 },
    ]);
    await reader.close();
  });
});
