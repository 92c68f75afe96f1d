// Acceptance for `errscan ingest`: exact genlog totals, nothing counted twice (re-runs, --force, kill -9
// at random moments), concurrent ingests, and the README's sqlite3 example.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, errscan } from '../helpers/cli.js';
import { tmpDir } from '../store/helpers.js';
import { committedOffset, spawnErrscan } from './helpers.js';

interface Genlog {
  bytes: number;
  lines: number;
  errorLines: number;
  counts: Record<string, number>;
  byDay: Record<string, Record<string, number>>;
}

const GENLOG = path.resolve(ROOT, '../shared/bench/genlog.mjs');

function genlog(file: string, mb: number, seed: number): Genlog {
  const r = spawnSync(process.execPath, [GENLOG, '--mb', String(mb), '--seed', String(seed)], { maxBuffer: 1 << 30 });
  expect(r.status).toBe(0);
  fs.writeFileSync(file, r.stdout);
  return JSON.parse(String(r.stderr).trim().split('\n').at(-1)!) as Genlog;
}

function totals(db: string): Record<string, number> {
  const d = new Database(db, { readonly: true });
  try {
    const out: Record<string, number> = {};
    for (const r of d.prepare("SELECT vendor || ':' || code AS k, sum(count) AS n FROM counts GROUP BY vendor, code").all() as Array<{ k: string; n: number }>) {
      out[r.k] = r.n;
    }
    return out;
  } finally {
    d.close();
  }
}

function byDay(db: string): Record<string, Record<string, number>> {
  const d = new Database(db, { readonly: true });
  try {
    const out: Record<string, Record<string, number>> = {};
    for (const r of d.prepare('SELECT day, vendor, code, count FROM daily_counts').all() as Array<{ day: string; vendor: string; code: number; count: number }>) {
      (out[r.day] ??= {})[`${r.vendor}:${r.code}`] = r.count;
    }
    return out;
  } finally {
    d.close();
  }
}

function sum(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

let dir: string;
let log2: string;
let expected2: Genlog;

beforeAll(() => {
  dir = tmpDir('errscan-ingest-');
  log2 = path.join(dir, 'seed5.log');
  expected2 = genlog(log2, 2, 5);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('errscan ingest', () => {
  it('ingesting the same genlog file twice: the second run adds nothing, totals equal genlog’s', () => {
    const db = path.join(dir, 'twice.db');
    const first = errscan(['ingest', log2, '--db', db, '--json']);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    const s1 = JSON.parse(first.stdout);
    expect(s1).toMatchObject({ files: 1, ingested: 1, unchanged: 0, bytes: expected2.bytes, lines: expected2.lines, hits: sum(expected2.counts) });
    expect(totals(db)).toEqual(expected2.counts);
    expect(byDay(db)).toEqual(expected2.byDay);

    const second = errscan(['ingest', log2, '--db', db, '--json']);
    expect(second.status).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ files: 1, ingested: 0, unchanged: 1, bytes: 0, hits: 0 });
    expect(totals(db)).toEqual(expected2.counts);
  });

  it('continues a file that has grown, and --force re-reads without double counting', () => {
    const db = path.join(dir, 'grow.db');
    const file = path.join(dir, 'grow.log');
    const text = fs.readFileSync(log2, 'utf8');
    const cut = text.indexOf('\n', Math.floor(text.length / 2)) + 1;
    fs.writeFileSync(file, text.slice(0, cut));
    expect(errscan(['ingest', file, '--db', db, '--quiet']).status).toBe(0);
    const half = totals(db);
    expect(sum(half)).toBeGreaterThan(0);
    expect(sum(half)).toBeLessThan(sum(expected2.counts));
    fs.appendFileSync(file, text.slice(cut));
    const grown = errscan(['ingest', file, '--db', db, '--json']);
    expect(JSON.parse(grown.stdout)).toMatchObject({ ingested: 1, bytes: expected2.bytes - Buffer.byteLength(text.slice(0, cut)) });
    expect(totals(db)).toEqual(expected2.counts);
    const forced = errscan(['ingest', file, '--db', db, '--force', '--json']);
    expect(JSON.parse(forced.stdout)).toMatchObject({ ingested: 1, bytes: expected2.bytes, hits: sum(expected2.counts) });
    expect(totals(db)).toEqual(expected2.counts);
  });

  it('reads gzip (by content), directories and globs; several files are counted once each', () => {
    const db = path.join(dir, 'many.db');
    const sub = path.join(dir, 'many');
    fs.mkdirSync(sub);
    fs.writeFileSync(path.join(sub, 'packed.dat'), zlib.gzipSync(fs.readFileSync(log2)));
    fs.copyFileSync(log2, path.join(sub, 'plain.log'));
    const r = errscan(['ingest', sub, path.join(sub, '*.log'), '--db', db, '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ files: 2, ingested: 2, hits: 2 * sum(expected2.counts) });
    const want = Object.fromEntries(Object.entries(expected2.counts).map(([k, v]) => [k, 2 * v]));
    expect(totals(db)).toEqual(want);
    const again = errscan(['ingest', sub, '--db', db, '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ files: 2, ingested: 0, unchanged: 2, hits: 0 });
    expect(totals(db)).toEqual(want);
  });

  it('scan then ingest, or ingest then scan, of the same file counts it once', () => {
    const a = path.join(dir, 'scan-first.db');
    const scanned = errscan(['scan', log2, '--db', a, '--quiet']);
    expect(scanned.status).toBe(0);
    expect(totals(a)).toEqual(expected2.counts);
    expect(JSON.parse(errscan(['ingest', log2, '--db', a, '--json']).stdout)).toMatchObject({ ingested: 0, unchanged: 1, hits: 0 });
    expect(totals(a)).toEqual(expected2.counts);

    const b = path.join(dir, 'ingest-first.db');
    expect(errscan(['ingest', log2, '--db', b, '--quiet']).status).toBe(0);
    const again = errscan(['scan', log2, '--db', b, '--quiet', '--json']);
    expect(again.status).toBe(0);
    // scan still prints every hit, but the store adds none.
    expect(again.stdout.trim().split('\n')).toHaveLength(sum(expected2.counts));
    expect(totals(b)).toEqual(expected2.counts);
  });

  it('progress: plain lines on a non-TTY stderr, then the summary; nothing with --quiet', () => {
    const db = path.join(dir, 'progress.db');
    const r = errscan(['ingest', log2, '--db', db], { env: { ERRSCAN_PROGRESS_MS: '10' } });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const l of lines.slice(0, -1)) expect(l).toMatch(/^errscan: ingest \d+\.\d\/2\.0 MB \d+% \d+\.\d MB\/s hits \d+ ETA (\d+:\d\d|--:--)$/);
    expect(lines.at(-1)).toMatch(
      new RegExp(`^errscan: ingested 1 of 1 file \\(0 unchanged\\) into ${db.replace(/[.]/g, '\\.')}: ${expected2.bytes} bytes, ${expected2.lines} lines, ${sum(expected2.counts)} hits \\(0 unknown\\), 0 skipped, 0 oversized, 0 errors in \\d+\\.\\d s \\(\\d+\\.\\d MB/s\\)$`),
    );
    const quiet = errscan(['ingest', log2, '--db', path.join(dir, 'quiet.db'), '--quiet'], { env: { ERRSCAN_PROGRESS_MS: '10' } });
    expect(quiet.status).toBe(0);
    expect(quiet.stderr).toBe('');
    expect(quiet.stdout).toBe('');
  });

  it('progress on a TTY is one redrawn line, cleared before the summary', () => {
    const probe = spawnSync('script', ['--version'], { encoding: 'utf8' });
    if (probe.error) return; // util-linux `script` provides the pseudo-terminal; without it there is no TTY to test
    const db = path.join(dir, 'tty.db');
    const cmd = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} ingest ${JSON.stringify(log2)} --db ${JSON.stringify(db)}`;
    const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC', NO_COLOR: '1', ERRSCAN_PROGRESS_MS: '10' } });
    expect(r.status).toBe(0);
    const out = r.stdout.replace(/\r\n/g, '\n');
    expect(out).toMatch(/^\ringest \d+\.\d\/2\.0 MB \d+% [^\n]*\x1b\[K/);
    expect(out).toMatch(/\r\x1b\[Kerrscan: ingested 1 of 1 file \(0 unchanged\)[^\r]*\n$/);
    expect(out.split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('a missing input is a one-line error, exit 2', () => {
    const r = errscan(['ingest', path.join(dir, 'nope.log'), '--db', path.join(dir, 'x.db')]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('nope.log');
  });

  it('two ingests into the same database at once both succeed with correct totals', async () => {
    const db = path.join(dir, 'together.db');
    const other = path.join(dir, 'seed6.log');
    const expected6 = genlog(other, 2, 6);
    const run = (file: string) => spawnErrscan(['ingest', file, '--db', db, '--quiet'], { ...process.env, TZ: 'UTC', NO_COLOR: '1' });
    const results = await Promise.all([run(log2), run(other)]);
    expect(results).toEqual([
      { code: 0, stderr: '' },
      { code: 0, stderr: '' },
    ]);
    const want: Record<string, number> = { ...expected2.counts };
    for (const [k, v] of Object.entries(expected6.counts)) want[k] = (want[k] ?? 0) + v;
    expect(totals(db)).toEqual(want);
  });

  it('two ingests of the same file at once count it once: the later commit is refused, a re-run finishes', async () => {
    const shared = path.join(dir, 'shared.log');
    const expected = genlog(shared, 8, 21);
    // One thread and over ranges; small batches, so both runs commit while the other reads.
    for (const [name, extra] of [
      ['pipeline', { ERRSCAN_THREADS: '1' }],
      ['ranges', { ERRSCAN_PARALLEL_MIN: '1', ERRSCAN_RANGE_BYTES: String(512 * 1024) }],
    ] as const) {
      const db = path.join(dir, `shared-${name}.db`);
      const env = { ...process.env, TZ: 'UTC', NO_COLOR: '1', ERRSCAN_BATCH_KEYS: '200', ...extra };
      const run = () => spawnErrscan(['ingest', shared, '--db', db, '--quiet'], env);
      const results = await Promise.all([run(), run()]);
      for (const r of results) {
        if (r.code === 0) expect(r.stderr).toBe('');
        else {
          expect(r.code, name).toBe(1);
          expect(r.stderr, name).toMatch(
            new RegExp(`^errscan: ${shared}: another errscan run is reading this file: its checkpoint is (at \\d+|gone) \\(this run expected (none|\\d+)\\); nothing more of it is counted by this run \\(read a file with one errscan at a time; the next run goes on from what is stored\\)\\n`),
          );
        }
      }
      const again = errscan(['ingest', shared, '--db', db, '--quiet'], { env });
      expect(again.status, name).toBe(0);
      expect(totals(db), name).toEqual(expected.counts);
    }
  });

  it('kill -9 at random moments, re-running after each: the final totals equal genlog’s exactly', async () => {
    const db = path.join(dir, 'killed.db');
    const big = path.join(dir, 'big.log');
    const expected = genlog(big, 16, 11);
    const size = fs.statSync(big).size;
    // Small batches, so a run commits many times and kills land between commits as well as before the first.
    const env = { ...process.env, TZ: 'UTC', ERRSCAN_BATCH_KEYS: '300' };
    const committed = (): number => committedOffset(db);
    // Seeded, so a failure can be replayed.
    let seed = 12345;
    const rnd = () => (seed = (seed * 1664525 + 1013904223) >>> 0) / 4294967296;
    /**
     * One ingest, killed with SIGKILL: either after a random delay (often before anything is committed),
     * or a random 0-10 ms after the committed offset passes a random point of the file, so kills land
     * between commits whatever the machine's speed (this 16 MB file takes ~0.1 s to read).
     */
    const killedIngest = (how: { afterMs: number } | { pastOffset: number }) =>
      new Promise<void>((resolve) => {
        const p = spawn(process.execPath, [BIN, 'ingest', big, '--db', db, '--quiet'], { stdio: 'ignore', env });
        let timer: NodeJS.Timeout | undefined;
        const kill = (ms: number) => (timer = setTimeout(() => p.kill('SIGKILL'), ms));
        if ('afterMs' in how) kill(how.afterMs);
        else {
          const poll = setInterval(() => {
            if (committed() >= how.pastOffset) {
              clearInterval(poll);
              kill(Math.floor(rnd() * 10));
            }
          }, 5);
          p.on('close', () => clearInterval(poll));
        }
        p.on('close', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    const offsets: number[] = [];
    await killedIngest({ afterMs: Math.floor(50 + rnd() * 400) });
    offsets.push(committed());
    for (let trial = 0; trial < 7; trial++) {
      const before = committed();
      if (before === size) break;
      await killedIngest({ pastOffset: before + 1 + Math.floor(rnd() * (size - before) * 0.7) });
      offsets.push(committed());
    }
    // Kills landed mid-file after some commits, at more than one place.
    const mid = offsets.filter((o) => o > 0 && o < size);
    expect(new Set(mid).size, `committed offsets after each kill: ${offsets.join(', ')} of ${size}`).toBeGreaterThanOrEqual(2);
    const last = errscan(['ingest', big, '--db', db, '--quiet']);
    expect(last.status).toBe(0);
    expect(committed()).toBe(size);
    expect(totals(db)).toEqual(expected.counts);
    expect(byDay(db)).toEqual(expected.byDay);
  });

  it('SIGINT stops an ingest cleanly: what was read is committed, the run is marked interrupted, exit 130', async () => {
    const db = path.join(dir, 'sigint.db');
    const file = path.join(dir, 'sigint.log');
    const expected = genlog(file, 12, 17);
    const size = fs.statSync(file).size;
    const offset = (): number => committedOffset(db);
    const code = await new Promise<number | null>((resolve) => {
      const p = spawn(process.execPath, [BIN, 'ingest', file, '--db', db, '--quiet'], { stdio: 'ignore', env: { ...process.env, ERRSCAN_BATCH_KEYS: '300' } });
      const poll = setInterval(() => {
        if (offset() > 0) {
          clearInterval(poll);
          p.kill('SIGINT');
        }
      }, 5);
      p.on('close', (c) => {
        clearInterval(poll);
        resolve(c);
      });
    });
    const stopped = offset();
    const d = new Database(db, { readonly: true });
    const run = d.prepare('SELECT status, bytes FROM runs').get() as { status: string; bytes: number };
    d.close();
    if (stopped < size) {
      expect(code).toBe(130);
      expect(run.status).toBe('interrupted');
      expect(run.bytes).toBeGreaterThanOrEqual(stopped);
    } else {
      expect(code).toBe(0); // it finished before the signal arrived
    }
    expect(errscan(['ingest', file, '--db', db, '--quiet']).status).toBe(0);
    expect(totals(db)).toEqual(expected.counts);
  });

  it('the README sqlite3 example works', () => {
    const db = path.join(dir, 'readme.db');
    expect(errscan(['ingest', log2, '--db', db, '--quiet']).status).toBe(0);
    const sql = 'select * from daily_counts limit 5';
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const block = /\$ sqlite3 "\$DB" '(select \* from daily_counts limit 5)'\n([\s\S]*?)\n\$ /.exec(readme);
    expect(block?.[1]).toBe(sql);
    const cli = spawnSync('sqlite3', [db, sql], { encoding: 'utf8' });
    let out: string;
    if (cli.error) {
      // No sqlite3 shell here: run the same SQL and print it the way the shell's list mode does.
      const d = new Database(db, { readonly: true });
      out = (d.prepare(sql).raw().all() as unknown[][]).map((r) => r.map((v) => (v === null ? '' : String(v))).join('|')).join('\n');
      d.close();
    } else {
      expect(cli.status).toBe(0);
      out = cli.stdout.trimEnd();
    }
    expect(out).toBe(block?.[2]);
  });
});
