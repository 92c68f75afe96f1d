// A reading thread started before the CLI compiles the catalogs it finds itself and plans its scanner on the
// file's head (pool.ts WorkerPrepare). `init` decides: the same catalogs use that work, others replace it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BroadcastChannel, Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalogs } from '../../src/catalog/index.js';
import { unvalidatedShippedCatalogs } from '../../src/catalog/files.js';
import { catalogSet } from '../../src/catalog/set.js';
import { compileExtractor } from '../../src/extract/index.js';
import { LiteralScanner, type SharedPlan } from '../../src/records/scanner.js';
import type { VendorCatalog } from '../../src/types.js';
import { fixtureLines } from '../extract/helpers.js';
import { ROOT } from '../helpers/cli.js';

// tsc's module, and the shipped bundle's thread (CommonJS, one file: rolldown.config.mjs).
const WORKERS = [path.join(ROOT, 'dist/pipeline/range-worker.js'), path.join(ROOT, 'dist/bin/range-worker.cjs')];
let dir: string;
let file: string;
let lines: string[];

beforeAll(() => {
  for (const w of WORKERS) if (!fs.existsSync(w)) throw new Error('run npm run build first');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'errscan-prepare-'));
  file = path.join(dir, 'app.log');
  lines = fixtureLines().map((l, i) => `2026-11-20T${String(i % 24).padStart(2, '0')}:00:00.000Z ${l}`);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A prepared worker, given `vendors` by init, reads the whole file as one range: its codes and hit count. */
async function readWith(worker: string, vendors: VendorCatalog[], prepare: boolean, channel?: string): Promise<{ hits: number; vendors: string[] }> {
  const w = new Worker(worker, { workerData: { prepare: prepare ? { file, channel } : undefined } });
  try {
    const size = fs.statSync(file).size;
    const init = { vendorsJson: JSON.stringify(vendors), tz: 'UTC', maxLine: 1 << 20, chunkSize: 4096, samplesPerCode: 5, maxRows: 1e9 };
    const result = new Promise<{ hits: number; codes: Array<{ vendor: string }> }>((resolve, reject) => {
      w.on('error', reject);
      w.on('message', (m: { type: string; result?: { hits: number; codes: Array<{ vendor: string }> }; message?: string }) => {
        if (m.type === 'ready') w.postMessage({ type: 'range', path: file, task: { index: 0, start: 0, end: size, last: true } });
        else if (m.type === 'result') resolve(m.result!);
        else if (m.type === 'error') reject(new Error(m.message));
      });
    });
    w.postMessage({ type: 'init', init });
    const r = await result;
    return { hits: r.hits, vendors: [...new Set(r.codes.map((c) => c.vendor))].sort() };
  } finally {
    await w.terminate();
  }
}

/** What extraction with these catalogs finds, line by line. */
function expected(vendors: VendorCatalog[]): { hits: number; vendors: string[] } {
  const x = compileExtractor(catalogSet(vendors));
  const hits = lines.flatMap((l) => x.extract(l));
  return { hits: hits.length, vendors: [...new Set(hits.map((h) => h.vendor))].sort() };
}

describe.each(WORKERS.map((w) => [path.relative(ROOT, w), w]))('a reading thread prepared before init (%s)', (_, worker) => {
  const all = loadCatalogs().vendors;

  it('reads with the catalogs init brings: the same ones it prepared', async () => {
    const want = expected(all);
    expect(want.vendors.length).toBeGreaterThan(2);
    expect(await readWith(worker, all, true)).toEqual(want);
    expect(await readWith(worker, all, false)).toEqual(want);
  });

  it('prepares on what init will bring: the shipped catalogs, read unvalidated, equal the validated ones', () => {
    expect(JSON.stringify(unvalidatedShippedCatalogs())).toBe(JSON.stringify(all));
  });

  it('shares its scanner plan on the channel, takes one made on its head, and refuses one made on another', async () => {
    const name = `test-plan-${Math.random()}`;
    const listener = new BroadcastChannel(name);
    const plans: SharedPlan[] = [];
    listener.onmessage = (e: unknown) => plans.push((e as { data: SharedPlan }).data);
    const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 50));
    /** Reads while this thread posts `plan` every millisecond (a channel keeps no message for later members). */
    const readOffered = async (plan: SharedPlan): Promise<{ hits: number; vendors: string[] }> => {
      const timer = setInterval(() => listener.postMessage(plan), 1);
      try {
        return await readWith(worker, all, true, name);
      } finally {
        clearInterval(timer);
      }
    };
    try {
      const want = expected(all);
      expect(await readWith(worker, all, true, name)).toEqual(want);
      await settle();
      expect(plans.length).toBe(1);
      const mine = plans[0]!;
      const head = fs.readFileSync(file).subarray(0, mine.sample.length);
      expect(Buffer.from(mine.sample).equals(head)).toBe(true);
      // What planning on this head makes: the shipped catalogs' scanner.
      const own = LiteralScanner.create(compileExtractor(catalogSet(all)).prefilter!)!;
      own.prepare(head);
      expect(mine).toEqual(own.sharedPlan());
      // Offered that plan, a thread takes it: it posts none of its own.
      expect(await readOffered(mine)).toEqual(want);
      await settle();
      expect(plans.length).toBe(1);
      // Offered one made on another head, it plans on its own and posts that.
      expect(await readOffered({ ...mine, sample: Buffer.from('another head\n') })).toEqual(want);
      await settle();
      expect(plans.length).toBe(2);
      expect(plans[1]).toEqual(mine);
    } finally {
      listener.close();
    }
  });

  it('or others: then its own are dropped', async () => {
    const qlm = all.filter((v) => v.vendor === 'qlm');
    const want = expected(qlm);
    expect(want.vendors).toEqual(['qlm']);
    expect(await readWith(worker, qlm, true)).toEqual(want);
  });
});
