// `ingest` over byte ranges on worker threads (src/pipeline/parallel.ts) must leave exactly what one thread
// leaves: the same counts, samples, codes and checkpoint, whatever the ranges cut through (stack traces that
// inherit a timestamp from the previous range, CRLF, oversized lines, a last line without a newline), and
// exactly-once across kill -9 and resumes. Small ranges (ERRSCAN_RANGE_BYTES) give many cuts in a small file.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, errscan } from '../helpers/cli.js';
import { tmpDir } from '../store/helpers.js';
import { committedOffset } from './helpers.js';

let dir: string;
beforeAll(() => {
  dir = tmpDir('errscan-parallel-');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const RANGES = { ERRSCAN_PARALLEL_MIN: '1', ERRSCAN_RANGE_BYTES: '1500' };

/** Everything a run leaves in the store, except run bookkeeping (times, ids). */
function dump(db: string): unknown {
  const d = new Database(db, { readonly: true });
  try {
    const q = (sql: string): unknown[] => d.prepare(sql).all();
    return {
      counts: q('SELECT bucket, vendor, code, source, host, count, first_seen, last_seen FROM counts ORDER BY bucket, vendor, code, source, host'),
      samples: q('SELECT vendor, code, ts, source, host, line, text FROM samples ORDER BY vendor, code, ts, line, text'),
      codes: q('SELECT vendor, code, known, product, name, message, category, severity FROM codes ORDER BY vendor, code'),
      sources: q('SELECT host, key, source, path, dev, ino, fingerprint, offset, lines, last_ts FROM sources ORDER BY key'),
    };
  } finally {
    d.close();
  }
}

function ingest(file: string, db: string, args: string[] = [], env: Record<string, string> = {}): { status: number | null; summary: Record<string, unknown>; stderr: string } {
  const r = errscan(['ingest', file, '--db', db, '--quiet', '--json', ...args], { env: { ...RANGES, ...env } });
  return { status: r.status, summary: r.stdout ? (JSON.parse(r.stdout) as Record<string, unknown>) : {}, stderr: r.stderr };
}

const COUNTERS = ['bytes', 'lines', 'hits', 'unknown', 'skipped', 'oversized', 'errors'];
const counters = (s: Record<string, unknown>): unknown[] => COUNTERS.map((k) => s[k]);

/** A mixed log: stamped and unstamped hits, stack traces, CRLF, syslog and CLF stamps, non-ASCII, long lines. */
function mixedLog(lines: number, seed: number): string {
  const hits = fs
    .readFileSync(path.join(ROOT, 'fixtures/extract/dwt.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { line: string; hits: string[] })
    .filter((f) => f.hits.length > 0 && !/[\r\n]/.test(f.line))
    .map((f) => f.line);
  let s = seed;
  const rnd = (n: number): number => ((s = (s * 1103515245 + 12345) >>> 0) >>> 8) % n;
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    const t = `2026-11-${10 + rnd(5)}T${String(rnd(24)).padStart(2, '0')}:${String(rnd(60)).padStart(2, '0')}:07.123Z`;
    switch (rnd(12)) {
      case 0:
      case 1:
        out.push(`${t} INFO request ${i} ok`);
        break;
      case 2:
        out.push(`${t} ERROR ${hits[rnd(hits.length)]}`);
        break;
      case 3:
      case 4:
        out.push(hits[rnd(hits.length)]!); // inherits the last stamp, possibly from the range before
        break;
      case 5:
        out.push(`\tat com.example.license.Client.verify(Client.java:${rnd(999)})`);
        break;
      case 6:
        out.push(`${t} WARN License check failed [-20${100 + rnd(50)}]\r`);
        break;
      case 7:
        out.push(`Nov 2${rnd(8)} 0${rnd(9)}:1${rnd(9)}:00 host app[${rnd(99)}]: DWT ErrorCode: -2${300 + rnd(99)} caf\u00e9`);
        break;
      case 8:
        out.push(`10.0.0.${rnd(250)} - - [1${rnd(9)}/Nov/2026:10:00:0${rnd(9)} +0000] "GET /drm/license HTTP/1.1" 200 ${rnd(9999)}`);
        break;
      case 9:
        out.push(`${'y'.repeat(150 + rnd(300))} ErrorCode: -2${100 + rnd(800)} long`);
        break;
      default:
        out.push(`plain line ${i} without anything`);
    }
  }
  return out.join('\n');
}

describe('ingest over byte ranges', () => {
  it('leaves exactly what one thread leaves, with ranges cutting through everything', () => {
    const file = path.join(dir, 'mixed.log');
    // Starts with a stamp, so no hit is timed by the clock (which differs between two runs).
    fs.writeFileSync(file, `2026-11-10T00:00:00Z start\n${mixedLog(3000, 7)}\nErrorCode: -2326 last line, no newline`);
    for (const [i, extra] of [[], ['--max-line', '300'], ['--tz', 'Asia/Kolkata']].entries()) {
      const one = path.join(dir, `one-${i}.db`);
      const many = path.join(dir, `many-${i}.db`);
      const a = ingest(file, one, ['--threads', '1', ...extra]);
      const b = ingest(file, many, ['--threads', '2', ...extra]);
      expect([a.status, b.status, a.stderr, b.stderr]).toEqual([0, 0, '', '']);
      expect(counters(b.summary)).toEqual(counters(a.summary));
      expect((a.summary.hits as number) > 500).toBe(true);
      if (extra[0] === '--max-line') expect(a.summary.oversized as number).toBeGreaterThan(0);
      expect(dump(many)).toEqual(dump(one));
    }
  });

  it('resumes a grown file from its checkpoint over ranges, as one thread does', () => {
    const text = `2026-11-10T00:00:00Z start\n${mixedLog(2000, 11)}\n`;
    const cut = text.indexOf('\n', Math.floor(text.length / 2)) + 1;
    const one = path.join(dir, 'grow-one.db');
    const many = path.join(dir, 'grow-many.db');
    const whole = path.join(dir, 'grow-whole.log');
    fs.writeFileSync(whole, text);
    expect(ingest(whole, one, ['--threads', '1']).status).toBe(0);
    const grown = path.join(dir, 'grow.log');
    fs.writeFileSync(grown, text.slice(0, cut));
    const first = ingest(grown, many, ['--threads', '2']);
    fs.appendFileSync(grown, text.slice(cut));
    const second = ingest(grown, many, ['--threads', '2']);
    expect([first.status, second.status]).toEqual([0, 0]);
    expect((first.summary.lines as number) + (second.summary.lines as number)).toBe(2001);
    const strip = (d: unknown): unknown => JSON.parse(JSON.stringify(d).replaceAll('grow-whole.log', 'grow.log').replace(/"(dev|ino)":\d+/g, '"$1":0').replace(/"file:\d+:\d+"/g, '"file"'));
    expect(strip(dump(many))).toEqual(strip(dump(one)));
    expect(ingest(grown, many, ['--threads', '2']).summary.unchanged).toBe(1);
  });

  it('a file with a new hour and code on nearly every line goes on with one thread, and ends up the same', () => {
    const file = path.join(dir, 'dense.log');
    const lines = Array.from({ length: 40_000 }, (_, i) => `${new Date(Date.UTC(2020, 0, 1) + i * 3_600_000).toISOString()} DWT ErrorCode: -${3000 + (i % 9000)}`);
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    const one = path.join(dir, 'dense-one.db');
    const many = path.join(dir, 'dense-many.db');
    const a = ingest(file, one, ['--threads', '1']);
    const b = ingest(file, many, ['--threads', '2'], { ERRSCAN_RANGE_BYTES: String(1 << 30) });
    expect([a.status, b.status, b.stderr]).toEqual([0, 0, '']);
    expect(counters(b.summary)).toEqual(counters(a.summary));
    expect(b.summary.hits).toBe(40_000);
    expect(dump(many)).toEqual(dump(one));
  });

  it('times hits before any timestamp by the clock, once, and counts them', () => {
    const file = path.join(dir, 'nostamp.log');
    fs.writeFileSync(file, Array.from({ length: 400 }, (_, i) => `ErrorString: x ErrorCode: -23${10 + (i % 20)}`).join('\n') + '\n');
    const before = Date.now();
    const r = ingest(file, path.join(dir, 'nostamp.db'), ['--threads', '2']);
    const after = Date.now();
    expect([r.status, r.summary.hits, r.summary.lines]).toEqual([0, 400, 400]);
    const d = dump(path.join(dir, 'nostamp.db')) as { counts: Array<{ count: number; first_seen: string }> };
    expect(d.counts.reduce((n, c) => n + c.count, 0)).toBe(400);
    for (const c of d.counts) expect(Date.parse(c.first_seen)).toBeGreaterThanOrEqual(before - 1000);
    for (const c of d.counts) expect(Date.parse(c.first_seen)).toBeLessThanOrEqual(after);
  });

  it('kill -9 between commits, then re-runs: totals exactly genlog’s', async () => {
    const file = path.join(dir, 'genlog.log');
    const g = spawnSyncGenlog(file, 6, 3);
    const db = path.join(dir, 'killed.db');
    const env = { ...process.env, TZ: 'UTC', ERRSCAN_PARALLEL_MIN: '1', ERRSCAN_RANGE_BYTES: String(256 * 1024), ERRSCAN_BATCH_KEYS: '200' };
    const committed = (): number => committedOffset(db);
    const size = fs.statSync(file).size;
    const seen: number[] = [];
    for (let trial = 0; trial < 4 && committed() < size; trial++) {
      const before = committed();
      await new Promise<void>((resolve) => {
        const p = spawn(process.execPath, [BIN, 'ingest', file, '--db', db, '--quiet', '--threads', '2'], { stdio: 'ignore', env });
        const poll = setInterval(() => {
          if (committed() > before) {
            clearInterval(poll);
            p.kill('SIGKILL');
          }
        }, 2);
        p.on('close', () => {
          clearInterval(poll);
          resolve();
        });
      });
      seen.push(committed());
    }
    expect(seen.some((o) => o > 0 && o < size), `committed offsets after kills: ${seen.join(', ')} of ${size}`).toBe(true);
    expect(errscan(['ingest', file, '--db', db, '--quiet', '--threads', '2'], { env }).status).toBe(0);
    const d = new Database(db, { readonly: true });
    const totals: Record<string, number> = {};
    for (const r of d.prepare("SELECT vendor || ':' || code AS k, sum(count) AS n FROM counts GROUP BY vendor, code").all() as Array<{ k: string; n: number }>) totals[r.k] = r.n;
    const src = d.prepare('SELECT offset, lines FROM sources').get() as { offset: number; lines: number };
    d.close();
    expect(totals).toEqual(g.counts);
    expect(src).toEqual({ offset: size, lines: g.lines });
  });

  it('Ctrl-C stops cleanly: exit 130, run marked interrupted, and a re-run completes exactly', async () => {
    const file = path.join(dir, 'genlog-int.log');
    const g = spawnSyncGenlog(file, 6, 4);
    const db = path.join(dir, 'int.db');
    const env = { ...process.env, TZ: 'UTC', ERRSCAN_PARALLEL_MIN: '1', ERRSCAN_RANGE_BYTES: String(128 * 1024), ERRSCAN_BATCH_KEYS: '200' };
    const code = await new Promise<number | null>((resolve) => {
      const p = spawn(process.execPath, [BIN, 'ingest', file, '--db', db, '--quiet', '--threads', '2'], { stdio: 'ignore', env });
      const poll = setInterval(() => {
        if (committedOffset(db) > 0) {
          clearInterval(poll);
          p.kill('SIGINT');
        }
      }, 2);
      p.on('close', (c) => {
        clearInterval(poll);
        resolve(c);
      });
    });
    const d = new Database(db, { readonly: true });
    const run = d.prepare('SELECT status FROM runs').get() as { status: string };
    const offset = (d.prepare('SELECT max(offset) AS o FROM sources').get() as { o: number }).o;
    d.close();
    if (offset < fs.statSync(file).size) expect([code, run.status]).toEqual([130, 'interrupted']);
    else expect(code).toBe(0);
    expect(errscan(['ingest', file, '--db', db, '--quiet', '--threads', '2'], { env }).status).toBe(0);
    const t = new Database(db, { readonly: true });
    const totals: Record<string, number> = {};
    for (const r of t.prepare("SELECT vendor || ':' || code AS k, sum(count) AS n FROM counts GROUP BY vendor, code").all() as Array<{ k: string; n: number }>) totals[r.k] = r.n;
    t.close();
    expect(totals).toEqual(g.counts);
  });

  it('--threads must be a whole number of at least 1', () => {
    const r = errscan(['ingest', path.join(ROOT, 'package.json'), '--db', path.join(dir, 'x.db'), '--threads', '0']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--threads must be a whole number of at least 1/);
  });

  it('a catalog whose extraction settings are bad stops the run before the database is opened', () => {
    const file = path.join(dir, 'bad-settings.log');
    fs.writeFileSync(file, '2026-11-20T10:00:00Z Dynamsoft License Server returned error -20111\n'.repeat(50));
    const cat = path.join(dir, 'bad-settings.json');
    const pattern = { id: 'p', regex: '(?<code>\\d+)', anchors: ['x'], route: [{ min: 1, max: 2, vendor: 'zz' }], samples: [] };
    fs.writeFileSync(cat, JSON.stringify({ vendor: 'acme', entries: [{ code: 1, message: 'One.' }], patterns: [pattern] }));
    const db = path.join(dir, 'bad-settings.db');
    const r = errscan(['ingest', file, '--db', db, '--catalog', cat], { env: RANGES });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/bad-settings\.json.*vendor "zz" is not loaded/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(fs.existsSync(db)).toBe(false);
  });
});

function spawnSyncGenlog(file: string, mb: number, seed: number): { counts: Record<string, number>; lines: number } {
  const out = fs.openSync(file, 'w');
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bench/genlog.mjs'), '--mb', String(mb), '--seed', String(seed)], {
    stdio: ['ignore', out, 'pipe'],
  });
  fs.closeSync(out);
  expect(r.status).toBe(0);
  return JSON.parse(String(r.stderr).trim().split('\n').at(-1)!) as { counts: Record<string, number>; lines: number };
}
