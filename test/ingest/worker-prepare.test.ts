// A reading thread started before the CLI compiles the catalogs it finds itself and plans its scanner on the
// file's head (pool.ts WorkerPrepare). `init` decides: the same catalogs use that work, others replace it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalogs } from '../../src/catalog/index.js';
import { unvalidatedShippedCatalogs } from '../../src/catalog/files.js';
import { catalogSet } from '../../src/catalog/set.js';
import { compileExtractor } from '../../src/extract/index.js';
import { LiteralScanner, type SharedPlan } from '../../src/records/scanner.js';
import type { VendorCatalog } from '../../src/types.js';
import { fixtureLines } from '../extract/helpers.js';
import { ROOT } from '../helpers/cli.js';
import type { PlanPorts } from '../../src/pipeline/pool.js';

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
async function readWith(worker: string, vendors: VendorCatalog[], prepare: boolean, ports: PlanPorts = {}): Promise<{ hits: number; vendors: string[] }> {
  const transferList = [...(ports.planTo ?? []), ...(ports.planFrom ? [ports.planFrom] : [])];
  const w = new Worker(worker, { workerData: { prepare: prepare ? { file } : undefined, ...ports }, transferList });
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

  it('posts its scanner plan to the threads after it, takes the one it is sent for its head, refuses others', async () => {
    const want = expected(all);
    /** What a thread posts on its planTo port while it prepares (the port closes when it is done). */
    const posted = async (read: (to: MessagePort) => Promise<unknown>): Promise<SharedPlan[]> => {
      const { port1, port2 } = new MessageChannel();
      const got: SharedPlan[] = [];
      port2.on('message', (m: SharedPlan) => got.push(m));
      const closed = new Promise((r) => port2.once('close', r));
      expect(await read(port1)).toEqual(want);
      await closed;
      return got;
    };
    // The first thread plans and posts.
    const first = await posted((to) => readWith(worker, all, true, { planTo: [to] }));
    expect(first.length).toBe(1);
    // One that cannot prepare says it has no plan, so the others do not wait for one.
    const none = await posted((to) => {
      const w = new Worker(worker, { workerData: { prepare: { file: path.join(dir, 'missing.log') }, planTo: [to] }, transferList: [to] });
      return new Promise<void>((resolve) => setTimeout(resolve, 500)).then(() => w.terminate()).then(() => want);
    });
    expect(none).toEqual([null]);
    const mine = first[0]!;
    const head = fs.readFileSync(file).subarray(0, mine.sample.length);
    expect(Buffer.from(mine.sample).equals(head)).toBe(true);
    const own = LiteralScanner.create(compileExtractor(catalogSet(all)).prefilter!)!;
    own.prepare(head);
    expect(mine).toEqual(own.sharedPlan());
    /** A later thread, sent `plan` (null: the first thread had none): what it posts itself. */
    const later = (plan: SharedPlan | null): Promise<SharedPlan[]> =>
      posted((to) => {
        const { port1, port2 } = new MessageChannel();
        port1.postMessage(plan);
        port1.close();
        return readWith(worker, all, true, { planFrom: port2, planTo: [to] });
      });
    // Sent the plan for its head, it takes it: it has no plan of its own to pass on.
    expect(await later(mine)).toEqual([null]);
    // Sent one made on another head, or none, it plans on its own.
    expect(await later({ ...mine, sample: Buffer.from('another head\n') })).toEqual([mine]);
    const started = Date.now();
    expect(await later(null)).toEqual([mine]);
    // Told so, not left to wait (1 s).
    expect(Date.now() - started).toBeLessThan(900);
  });

  it('or others: then its own are dropped', async () => {
    const qlm = all.filter((v) => v.vendor === 'qlm');
    const want = expected(qlm);
    expect(want.vendors).toEqual(['qlm']);
    expect(await readWith(worker, qlm, true)).toEqual(want);
  });
});
