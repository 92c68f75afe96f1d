// Properties (fast-check) of the real pipeline, extractor and store:
// - the hits are the same however the input is chunked (text, JSON lines, JSON arrays, gzip, CRLF,
//   over-long lines, broken records; format detection included);
// - random input never throws;
// - counts add up: ingesting A then B gives the same rows as ingesting A and B together, for two
//   files and for one file that grows.
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalogs, type CatalogSet } from '../../src/catalog/index.js';
import { compileExtractor } from '../../src/extract/index.js';
import { createStoreSink, storeCheckpoints } from '../../src/aggregate/index.js';
import { runPipeline, type RunResult } from '../../src/pipeline/index.js';
import type { Checkpoint, RunInfo, Sink } from '../../src/pipeline/types.js';
import { SqliteStore } from '../../src/store/index.js';
import type { ErrorEvent } from '../../src/types.js';
import { cleanup, tmpDir } from './helpers.js';

let catalogs: CatalogSet;
let extractor: ReturnType<typeof compileExtractor>;
let dir: string;
const NOW = new Date('2026-11-27T12:00:00Z');

beforeAll(() => {
  catalogs = loadCatalogs();
  extractor = compileExtractor(catalogs);
  dir = tmpDir('props');
});

afterAll(() => cleanup(dir));

class Collect implements Sink {
  events: string[] = [];
  checkpoints = 0;
  event(e: ErrorEvent): void {
    this.events.push(`${e.vendor}:${e.code}@${e.ts}#${e.line} ${e.source} ${e.text}`);
  }
  checkpoint(_cp: Checkpoint): void {
    this.checkpoints++;
  }
  async flush(): Promise<void> {}
  async close(_info: RunInfo): Promise<void> {}
}

/** The pipeline over standard input delivered in the given chunks. */
async function overStdin(chunks: Buffer[], maxLine = 300, format = 'auto'): Promise<{ events: string[]; info: Omit<RunResult, 'elapsedMs' | 'timeZone'> }> {
  const sink = new Collect();
  const r = await runPipeline(
    { inputs: ['-'], stdin: Readable.from(chunks, { objectMode: false }), tz: 'UTC', maxLine, format, onError: () => undefined },
    { extractor, catalogs, sinks: [sink], now: () => NOW },
  );
  const { elapsedMs: _e, timeZone: _t, ...info } = r;
  return { events: sink.events, info };
}

function split(buf: Buffer, cuts: number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const c of at) {
    if (c > prev) out.push(buf.subarray(prev, c));
    prev = Math.max(prev, c);
  }
  if (prev < buf.length) out.push(buf.subarray(prev));
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Content generators: lines that hit, lines that almost hit, noise, broken bytes, records.

const stamp = fc
  .record({ d: fc.integer({ min: 16, max: 22 }), h: fc.integer({ min: 0, max: 23 }), m: fc.integer({ min: 0, max: 59 }) })
  .map(({ d, h, m }) => `2026-11-${d}T${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:00Z`);

const hitText = fc.oneof(
  fc.constantFrom(-2326, -2342, -1018, -2003, -3001).map((c) => `ERROR [webtwain] AcquireImage failed: ErrorCode=${c} ErrorString="x"`),
  fc.constantFrom(-20100, -20111, -20151).map((c) => `WARN LicenseClient - Dynamsoft License Server returned error ${c}`),
  fc.constantFrom(7011, 7009, 1003).map((c) => `ERROR drm-proxy: PallyCon license error ${c} for cid=content-1`),
  fc.constantFrom('License_Expired (209)', 'License_NotFound (203)').map((c) => `ERROR QlmLicense: ActivateLicense failed: ${c}`),
  fc.constant('ERROR scan.js: upload aborted, DWTObject.ErrorString: The current product key has expired, please contact the site administrator'),
);
const nearMiss = fc.constantFrom(
  'INFO pool: connection to db:7011 slow (120 ms), retry 2',
  'DEBUG scanner: page 3 deskew angle -2326 mdeg, dpi=300',
  'com.apple.geod[1]: PBRequester failed with Error Domain=NSURLErrorDomain Code=-1001 "The request timed out."',
  '\tat com.example.license.Client.verify(Client.java:2326)',
);
const textLine = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(stamp, hitText).map(([t, h]) => `${t} ${h}`) },
  { weight: 1, arbitrary: hitText },
  { weight: 3, arbitrary: fc.tuple(stamp, nearMiss).map(([t, n]) => `${t} ${n}`) },
  { weight: 1, arbitrary: fc.string({ maxLength: 80 }) },
  { weight: 1, arbitrary: fc.tuple(stamp, hitText, fc.integer({ min: 300, max: 900 })).map(([t, h, n]) => `${t} ${'x'.repeat(n)} ${h}`) },
);
const lineBreak = fc.constantFrom('\n', '\n', '\n', '\r\n');
const textContent = fc
  .tuple(fc.array(fc.tuple(textLine, lineBreak), { maxLength: 40 }), fc.boolean(), fc.uint8Array({ maxLength: 40 }))
  .map(([lines, garbage, bytes]) =>
    Buffer.concat([Buffer.from(lines.map(([l, b]) => l + b).join('')), garbage ? Buffer.concat([Buffer.from(bytes), Buffer.from('\n')]) : Buffer.alloc(0)]),
  );

const record = fc.oneof(
  fc.tuple(stamp, fc.constantFrom(7011, 7009, 1003)).map(([t, c]) => ({ time: t, level: 'error', pallycon: { errorCode: String(c), message: 'x' } })),
  fc.tuple(stamp, fc.constantFrom(['License_Expired', 209], ['License_NotFound', 203])).map(([t, [n, c]]) => ({ time: t, error: { source: 'QLM', code: c, name: `EServerErrorCode.${n}` } })),
  fc.tuple(stamp, fc.integer()).map(([t, n]) => ({ time: t, level: 'info', msg: 'cache refresh', items: n })),
  fc.jsonValue({ maxDepth: 3 }),
);
const ndjsonContent = fc
  .array(fc.oneof({ weight: 9, arbitrary: record.map((r) => JSON.stringify(r)) }, { weight: 1, arbitrary: fc.constantFrom('{"broken": ', 'nul', '{"a":1}}') }), { minLength: 1, maxLength: 30 })
  .map((ls) => Buffer.from(`{"time":"2026-11-20T10:00:00Z","msg":"start"}\n${ls.join('\n')}\n`));
const arrayContent = fc
  .tuple(fc.array(record, { maxLength: 30 }), fc.boolean())
  .map(([rs, cut]) => {
    const s = JSON.stringify(rs, null, rs.length % 2 === 0 ? 0 : 1);
    return Buffer.from(cut && s.length > 4 ? s.slice(0, Math.floor(s.length * 0.7)) : s);
  });

const anyContent = fc.oneof(textContent, ndjsonContent, arrayContent).chain((buf) => fc.oneof(fc.constant(buf), fc.constant(zlib.gzipSync(buf))));
/** Content with the format it is written in. */
const typedContent = fc
  .oneof(textContent.map((b) => ['text', b] as const), ndjsonContent.map((b) => ['ndjson', b] as const), arrayContent.map((b) => ['json', b] as const))
  .chain(([f, buf]) => fc.oneof(fc.constant([f, buf] as const), fc.constant([f, zlib.gzipSync(buf)] as const)));

describe('chunking', () => {
  // The format is given (--format): with `auto`, standard input's format is decided on the first chunk's
  // lines, so it can depend on the chunking (see the hardening report); the records layer itself must not.
  it('gives the same hits, lines and counters however the bytes are split (text, JSON lines, JSON arrays, gzip)', async () => {
    await fc.assert(
      fc.asyncProperty(typedContent, fc.array(fc.nat(), { maxLength: 12 }), async ([format, buf], cuts) => {
        const whole = await overStdin([buf], 300, format);
        const bytewise = cuts.length === 0 && buf.length < 3000;
        const chunks = bytewise ? [...buf].map((b) => Buffer.from([b])) : split(buf, cuts);
        const pieces = await overStdin(chunks, 300, format);
        expect(pieces).toEqual(whole);
      }),
      { numRuns: 150 },
    );
  });

  it('a JSON array split inside strings, numbers and escapes still gives every element', async () => {
    const els = Array.from({ length: 12 }, (_, i) => ({ time: `2026-11-20T10:${String(i).padStart(2, '0')}:00Z`, note: 'quote \\" and \u00e9 and \ud83d\ude00', pallycon: { errorCode: String([7011, 7009, 1003][i % 3]) }, n: 1.5e-3 * i }));
    const buf = Buffer.from(JSON.stringify(els));
    const whole = await overStdin([buf]);
    expect(whole.events).toHaveLength(12);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(), { minLength: 1, maxLength: 30 }), async (cuts) => {
        // Auto-detected: `[{` decides at once, so this holds without --format.
        expect(await overStdin(split(buf, cuts))).toEqual(whole);
      }),
      { numRuns: 60 },
    );
  });
});

describe('random input', () => {
  it('never throws: any bytes, in any chunks, through the pipeline', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 3000 }), fc.array(fc.nat(), { maxLength: 8 }), fc.constantFrom(8, 64, 1024 * 1024), async (bytes, cuts, maxLine) => {
        const buf = Buffer.from(bytes);
        const r = await overStdin(split(buf, cuts), maxLine);
        expect(r.info.lines).toBeGreaterThanOrEqual(0);
        expect(r.info.hits).toBe(r.events.length);
        if (!(buf[0] === 0x1f && buf[1] === 0x8b)) expect(r.info.bytes).toBe(buf.length);
      }),
      { numRuns: 200 },
    );
  });

  it('never throws: extract() on any string, extractRecord() on any value', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 400 }), fc.string({ unit: 'grapheme', maxLength: 200 }), textLine), (s) => {
        for (const h of extractor.extract(s)) {
          expect(Number.isInteger(h.code)).toBe(true);
          expect(typeof h.vendor).toBe('string');
        }
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.oneof(fc.anything({ maxDepth: 4 }), fc.jsonValue({ maxDepth: 6 }), record), (v) => {
        expect(Array.isArray(extractor.extractRecord(v))).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------
// Counts add up, through the real SQLite store and its exactly-once sink.

let dbSeq = 0;

async function ingestRuns(runs: string[][], opts: { source?: string } = {}): Promise<string[]> {
  const db = path.join(dir, `p${dbSeq++}.db`);
  for (const inputs of runs) {
    const store = SqliteStore.open(db);
    try {
      await runPipeline(
        { inputs, tz: 'UTC', maxLine: 300, onError: () => undefined, ...(opts.source ? { source: opts.source } : {}) },
        { extractor, catalogs, sinks: [createStoreSink(store)], checkpoints: storeCheckpoints(store), now: () => NOW },
      );
    } finally {
      await store.close();
    }
  }
  const store = SqliteStore.open(db, { readonly: true });
  try {
    const rows = await store.counts({ from: 0, to: 2 ** 31 });
    fs.rmSync(db, { force: true });
    return rows.map((r) => [r.bucket, r.vendor, r.code, r.source, r.count, r.firstSeen, r.lastSeen].join('|'));
  } finally {
    await store.close();
  }
}

const completeLines = fc.array(fc.tuple(textLine, lineBreak), { maxLength: 25 }).map((ls) => Buffer.from(ls.map(([l, b]) => l + b).join('')));

describe('counts add up', () => {
  it('ingesting file A, then file B, stores the same rows as ingesting A and B in one run', async () => {
    await fc.assert(
      fc.asyncProperty(anyContent, anyContent, async (a, b) => {
        const d = fs.mkdtempSync(path.join(dir, 'ab-'));
        const fa = path.join(d, 'a.log');
        const fb = path.join(d, 'b.log');
        fs.writeFileSync(fa, a);
        fs.writeFileSync(fb, b);
        const apart = await ingestRuns([[fa], [fb]]);
        const together = await ingestRuns([[fa, fb]]);
        expect(apart).toEqual(together);
        // Ingesting them again adds nothing.
        expect(await ingestRuns([[fa, fb], [fa], [fb], [fa, fb]])).toEqual(together);
      }),
      { numRuns: 40 },
    );
  });

  it('a file ingested, grown by B, ingested again, equals the file with A and B ingested once', async () => {
    await fc.assert(
      fc.asyncProperty(completeLines, fc.oneof(completeLines, textContent), async (a, b) => {
        const d = fs.mkdtempSync(path.join(dir, 'grow-'));
        const grown = path.join(d, 'grown.log');
        const once = path.join(d, 'once.log');
        fs.writeFileSync(grown, a);
        const db = path.join(dir, `g${dbSeq++}.db`);
        const run = async (file: string, to: string): Promise<void> => {
          const store = SqliteStore.open(to);
          try {
            await runPipeline(
              { inputs: [file], tz: 'UTC', maxLine: 300, source: 'app.log', onError: () => undefined },
              { extractor, catalogs, sinks: [createStoreSink(store)], checkpoints: storeCheckpoints(store), now: () => NOW },
            );
          } finally {
            await store.close();
          }
        };
        await run(grown, db);
        fs.appendFileSync(grown, b);
        await run(grown, db);
        fs.writeFileSync(once, Buffer.concat([a, b]));
        const db2 = path.join(dir, `g${dbSeq++}.db`);
        await run(once, db2);
        const rows = async (file: string): Promise<string[]> => {
          const s = SqliteStore.open(file, { readonly: true });
          try {
            return (await s.counts({ from: 0, to: 2 ** 31 })).map((r) => [r.bucket, r.vendor, r.code, r.source, r.count, r.firstSeen, r.lastSeen].join('|'));
          } finally {
            await s.close();
          }
        };
        expect(await rows(db)).toEqual(await rows(db2));
      }),
      { numRuns: 40 },
    );
  });
});
