// Acceptance tests of `errscan scan` through the built binary (see issue #4).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import Database from 'better-sqlite3';
import { BIN, ROOT, errscan } from '../helpers/cli.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'errscan-scan-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const ENV = { ...process.env, TZ: 'UTC', NO_COLOR: '1' };
const HIT = '2026-11-22T10:00:00Z ERROR Dynamic Web TWAIN ErrorCode: -2326\n';

interface Expected {
  bytes: number;
  lines: number;
  counts: Record<string, number>;
}
let genlog: { text: string; expected: Expected };

beforeAll(() => {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bench/genlog.mjs'), '--mb', '2', '--seed', '3'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  expect(r.status).toBe(0);
  genlog = { text: r.stdout, expected: JSON.parse(r.stderr.trim().split('\n').at(-1)!) as Expected };
});

function tally(ndjson: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const l of ndjson.split('\n')) {
    if (!l) continue;
    const e = JSON.parse(l) as { vendor: string; code: number };
    counts[`${e.vendor}:${e.code}`] = (counts[`${e.vendor}:${e.code}`] ?? 0) + 1;
  }
  return counts;
}

function summaryOf(stderr: string): Record<string, number | boolean> {
  const last = stderr.trim().split('\n').at(-1)!;
  return (JSON.parse(last) as { summary: Record<string, number | boolean> }).summary;
}

const sum = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);

/** genlog's lines as records: its JSON lines as the objects they are, the others as {"line": text}. */
function records(text: string): unknown[] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => (l.startsWith('{') ? (JSON.parse(l) as unknown) : { line: l }));
}

describe('scan finds exactly genlog’s counts', () => {
  it('in a gzip file named without .gz', () => {
    const f = path.join(tmp, 'genlog-gzipped.log');
    fs.writeFileSync(f, zlib.gzipSync(genlog.text));
    const r = errscan(['scan', '--no-db', '--json', f]);
    expect(r.stderr.split('\n').filter((l) => l && !l.startsWith('{"summary"'))).toEqual([]);
    expect(r.status).toBe(0);
    expect(tally(r.stdout)).toEqual(genlog.expected.counts);
    expect(summaryOf(r.stderr)).toMatchObject({ bytes: genlog.expected.bytes, lines: genlog.expected.lines, hits: sum(genlog.expected.counts), errors: 0 });
  });

  it('as NDJSON records', () => {
    const f = path.join(tmp, 'genlog.jsonl');
    fs.writeFileSync(f, records(genlog.text).map((r) => JSON.stringify(r)).join('\n') + '\n');
    const r = errscan(['scan', '--no-db', '--json', f]);
    expect(r.status).toBe(0);
    expect(tally(r.stdout)).toEqual(genlog.expected.counts);
    expect(summaryOf(r.stderr)).toMatchObject({ lines: genlog.expected.lines, skipped: 0, hits: sum(genlog.expected.counts) });
    const first = JSON.parse(r.stdout.split('\n')[0]!) as { line: number; text: string };
    expect(JSON.parse(first.text)).toEqual(records(genlog.text)[first.line - 1]);
  });

  it('as one JSON array', () => {
    const f = path.join(tmp, 'genlog.json');
    fs.writeFileSync(f, JSON.stringify(records(genlog.text), null, 1));
    const r = errscan(['scan', '--no-db', '--json', f]);
    expect(r.status).toBe(0);
    expect(tally(r.stdout)).toEqual(genlog.expected.counts);
    expect(summaryOf(r.stderr)).toMatchObject({ lines: genlog.expected.lines, hits: sum(genlog.expected.counts) });
  });

  it('as plain text on stdin (the default command)', () => {
    const r = errscan(['--no-db', '--json'], { input: genlog.text });
    expect(r.status).toBe(0);
    expect(tally(r.stdout)).toEqual(genlog.expected.counts);
  });
});

describe('streaming behaviour', () => {
  it('prints a hit from a pipe at once, not at EOF', async () => {
    const child = spawn(process.execPath, [BIN, '--no-db'], { env: ENV, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let seenAt = 0;
    child.stdout.on('data', (d: Buffer) => {
      out += String(d);
      if (!seenAt && out.includes('\n')) seenAt = performance.now();
    });
    // Let it start (catalogs compiled, stdin open) before the clock starts.
    await new Promise((r) => setTimeout(r, 1500));
    const sentAt = performance.now();
    child.stdin.write(HIT);
    while (!seenAt && performance.now() - sentAt < 4000) await new Promise((r) => setTimeout(r, 5));
    expect(seenAt).toBeGreaterThan(0);
    expect(seenAt - sentAt).toBeLessThan(500);
    expect(out).toMatch(/^2026-11-22 10:00:00Z {2}\w+ +dwt -2326 {2}.+ {2}\(stdin:1\)\n$/);
    expect(child.exitCode).toBeNull(); // still reading
    child.stdin.end();
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(code).toBe(0);
  });

  it('skips a 100 MB line without a newline, counts it, finds the hit after it, in bounded memory', () => {
    const f = path.join(tmp, 'long.log');
    const fd = fs.openSync(f, 'w');
    const block = Buffer.alloc(1024 * 1024, 'x');
    for (let i = 0; i < 100; i++) fs.writeSync(fd, block);
    fs.writeSync(fd, `\n${HIT}`);
    fs.closeSync(fd);
    const r = errscan(['scan', '--no-db', '--json', f]);
    fs.rmSync(f);
    expect(r.status).toBe(0);
    expect(tally(r.stdout)).toEqual({ 'dwt:-2326': 1 });
    expect(JSON.parse(r.stdout).line).toBe(2);
    const s = summaryOf(r.stderr);
    expect(s).toMatchObject({ lines: 2, oversized: 1, hits: 1 });
    expect(s.maxRssKiB as number).toBeLessThan(300 * 1024);
  });

  it('keeps memory flat on a large stdin stream (peak RSS within the 150 MB budget)', async () => {
    // 100 MB through a pipe, written as a producer would: a chunk kept alive per read would show here.
    const child = spawn(process.execPath, [BIN, '--no-db', '--json'], { env: ENV, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += String(d)));
    child.stderr.on('data', (d: Buffer) => (err += String(d)));
    const block = Buffer.alloc(1024 * 1024, 'x');
    for (let i = 0; i < 100; i++) if (!child.stdin.write(block)) await once(child.stdin, 'drain');
    child.stdin.end(`\n${HIT}`);
    const [code] = (await once(child, 'close')) as [number];
    expect(code).toBe(0);
    expect(tally(out)).toEqual({ 'dwt:-2326': 1 });
    const s = summaryOf(err);
    expect(s).toMatchObject({ bytes: 100 * 1024 * 1024 + HIT.length + 1, lines: 2, oversized: 1, hits: 1 });
    expect(s.maxRssKiB as number).toBeLessThan(150 * 1024);
  });

  it('a slow reader of stdout slows the scan down instead of filling memory', async () => {
    const f = path.join(tmp, 'hits.log');
    fs.writeFileSync(f, HIT.repeat(100_000));
    const child = spawn(process.execPath, [BIN, 'scan', '--no-db', '--json', f], { env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    let lines = 0;
    child.stderr.on('data', (d: Buffer) => (err += String(d)));
    child.stdout.pause();
    await new Promise((r) => setTimeout(r, 1500));
    expect(child.exitCode).toBeNull(); // blocked on its output, not done
    child.stdout.on('data', (d: Buffer) => (lines += String(d).split('\n').length - 1));
    child.stdout.resume();
    const [code] = (await once(child, 'close')) as [number];
    expect(code).toBe(0);
    expect(lines).toBe(100_000);
    expect(summaryOf(err).maxRssKiB as number).toBeLessThan(150 * 1024);
  });

  it('stops cleanly when the reader goes away (errscan … | head -1)', async () => {
    const f = path.join(tmp, 'many.log');
    fs.writeFileSync(f, HIT.repeat(200_000));
    const child = spawn(process.execPath, [BIN, 'scan', '--no-db', f], { env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += String(d)));
    const first = await new Promise<string>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(String(d))));
    child.stdout.destroy();
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(first).toContain('dwt -2326');
    expect(code).toBe(0);
    expect(err).toMatch(/^errscan: .* lines, [\d,]+ hits .*, interrupted\n$/);
  });

  it('on SIGINT flushes, prints the summary and exits 130', async () => {
    const child = spawn(process.execPath, [BIN, '--no-db', '--json'], { env: ENV, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += String(d)));
    child.stderr.on('data', (d: Buffer) => (err += String(d)));
    child.stdin.write(HIT);
    while (!out.includes('\n')) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(code).toBe(130);
    expect(summaryOf(err)).toMatchObject({ hits: 1, lines: 1, interrupted: true });
  });

  it('reports a missing input in one line and reads the others', () => {
    const f = path.join(tmp, 'one.log');
    fs.writeFileSync(f, HIT);
    const r = errscan(['scan', '--no-db', path.join(tmp, 'missing.log'), f]);
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(`errscan: ${path.join(tmp, 'missing.log')}: no such file or directory (check the path)`);
    expect(r.stdout).toContain('dwt -2326');
    expect(r.stderr).toMatch(/, 1 hit \(0 unknown codes\), .*, 1 error in/);
    const typo = errscan(['reprot', '--no-db']);
    expect(typo.status).toBe(2);
    expect(typo.stderr).toContain('errscan: reprot: no such file or directory (check the path; for a command, see errscan --help)');
  });

  it('rejects a bad --tz, --format or --max-line before reading', () => {
    expect(errscan(['scan', '--no-db', '--tz', 'Mars/Base'], { input: HIT }).stderr).toContain('unknown time zone "Mars/Base"');
    expect(errscan(['scan', '--no-db', '--max-line', 'lots'], { input: HIT }).status).toBe(2);
    expect(errscan(['scan', '--no-db', '--format', 'xml'], { input: HIT }).status).toBe(2);
  });
});

function dbCounts(db: string): Record<string, number> {
  const d = new Database(db, { readonly: true });
  const got: Record<string, number> = {};
  for (const row of d.prepare('SELECT vendor, code, SUM(count) AS n FROM counts GROUP BY vendor, code').all() as Array<{ vendor: string; code: number; n: number }>) {
    got[`${row.vendor}:${row.code}`] = row.n;
  }
  d.close();
  return got;
}

function dbTotal(db: string): number {
  try {
    return Object.values(dbCounts(db)).reduce((a, b) => a + b, 0);
  } catch {
    return 0;
  }
}

describe('recording into the database', () => {
  it('scan prints a whole file every time but counts each hit once', () => {
    const db = path.join(tmp, 'scan.db');
    const f = path.join(tmp, 'twice.log');
    fs.writeFileSync(f, HIT + HIT);
    expect(errscan(['scan', '--db', db, '--quiet', f]).stdout.split('\n').filter(Boolean).length).toBe(2);
    fs.appendFileSync(f, HIT);
    const again = errscan(['scan', '--db', db, '--quiet', f]);
    expect(again.status).toBe(0);
    expect(again.stdout.split('\n').filter(Boolean).length).toBe(3);
    expect(dbCounts(db)).toEqual({ 'dwt:-2326': 3 });
  });

  it('follow: write, rotate, truncate, append, SIGKILL and restart — every hit counted exactly once', async () => {
    const db = path.join(tmp, 'follow.db');
    const log = path.join(tmp, 'follow.log');
    const line = (i: number) => `2026-11-22T10:${String(i).padStart(2, '0')}:00Z ERROR Dynamic Web TWAIN ErrorCode: -2326 #${i}\n`;
    const start = () => {
      // A glob that covers the rotated name: a restart also finishes a rotated file it had not committed.
      const c = spawn(process.execPath, [BIN, 'scan', '-F', '--db', db, '--json', 'follow.log*'], { cwd: tmp, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
      const st = { out: '', err: '', seen: () => st.out.split('\n').filter(Boolean).length };
      c.stdout.on('data', (d: Buffer) => (st.out += String(d)));
      c.stderr.on('data', (d: Buffer) => (st.err += String(d)));
      return { c, st };
    };
    const until = async (cond: () => boolean, what: string) => {
      const end = Date.now() + 10_000;
      while (!cond()) {
        if (Date.now() > end) throw new Error(`timed out: ${what}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    };
    fs.writeFileSync(log, line(1) + line(2));
    const a = start();
    await until(() => a.st.seen() === 2, 'first two');
    fs.renameSync(log, `${log}.1`);
    fs.writeFileSync(log, line(3));
    await until(() => a.st.seen() === 3, 'after rotation');
    // copytruncate destroys what it cuts: like logrotate, let the follower commit it first (every 500 ms).
    await until(() => dbTotal(db) === 3, 'line 3 committed');
    fs.truncateSync(log, 0);
    fs.appendFileSync(log, line(4));
    await until(() => a.st.seen() === 4, 'after truncation');
    fs.appendFileSync(log, line(5));
    await until(() => a.st.seen() === 5, 'append');
    // Killed without a chance to flush: the restart re-reads exactly what was not committed.
    a.c.kill('SIGKILL');
    await new Promise((r) => a.c.on('close', r));
    fs.appendFileSync(log, line(6));
    const b = start();
    await until(() => b.st.out.includes('#6'), 'after restart');
    await new Promise((r) => setTimeout(r, 700));
    b.c.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => b.c.on('close', r));
    expect(code).toBe(0);
    expect(b.st.err).toContain('"interrupted":true');
    expect(dbCounts(db)).toEqual({ 'dwt:-2326': 6 });
  }, 40_000);
});
