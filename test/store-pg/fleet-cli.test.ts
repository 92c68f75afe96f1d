// Fleet acceptance through the built binary: many hosts ingesting into one PostgreSQL database at once
// give exact totals; the daily reports from PostgreSQL equal those from SQLite on the same files; scan,
// follow and the db commands work against PostgreSQL; --host labels counts.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, errscan } from '../helpers/cli.js';
import { tmpDir } from '../store/helpers.js';
import { freshSchema, pgRows, type PgSchema } from './pg.js';

interface Genlog {
  counts: Record<string, number>;
  byDay: Record<string, Record<string, number>>;
}

function genlog(file: string, mb: number, seed: number, extra: string[] = []): Genlog {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bench/genlog.mjs'), '--mb', String(mb), '--seed', String(seed), ...extra], { maxBuffer: 1 << 30 });
  expect(r.status).toBe(0);
  fs.writeFileSync(file, r.stdout);
  return JSON.parse(String(r.stderr).trim().split('\n').at(-1)!) as Genlog;
}

function addCounts(into: Record<string, number>, from: Record<string, number>): Record<string, number> {
  for (const [k, n] of Object.entries(from)) into[k] = (into[k] ?? 0) + n;
  return into;
}

const sum = (c: Record<string, number>): number => Object.values(c).reduce((a, b) => a + b, 0);

interface Run {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The built binary, asynchronously, so several can run at once. */
function errscanAsync(args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; killAfterMs?: number } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, TZ: 'UTC', NO_COLOR: '1', ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    if (opts.killAfterMs !== undefined) setTimeout(() => p.kill('SIGKILL'), opts.killAfterMs);
    p.stdin.end(opts.input ?? '');
    p.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}

async function pgTotals(url: string, where = 'true'): Promise<Record<string, number>> {
  const rows = await pgRows(url, `SELECT vendor || ':' || code AS k, sum(count) AS n FROM counts WHERE ${where} GROUP BY vendor, code`);
  return Object.fromEntries(rows.map((r) => [String(r.k), Number(r.n)]));
}

let dir: string;
const logs: string[] = [];
const expected: Genlog[] = [];
const schemas: PgSchema[] = [];

async function schema(): Promise<PgSchema> {
  const s = await freshSchema('fleet');
  schemas.push(s);
  return s;
}

beforeAll(() => {
  dir = tmpDir('errscan-fleet-');
  for (let i = 1; i <= 4; i++) {
    const file = path.join(dir, `host${i}.log`);
    expected.push(genlog(file, 2, i));
    logs.push(file);
  }
});
afterAll(async () => {
  for (const s of schemas) await s.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The four files ingested at once into one PostgreSQL database (hosts h1..h4) and, as they are, into SQLite. */
let fleet: Promise<{ pgDb: string; sqliteDb: string; runs: Run[] }> | undefined;
function ingestFleet(): Promise<{ pgDb: string; sqliteDb: string; runs: Run[] }> {
  fleet ??= (async () => {
    const pgDb = (await schema()).url;
    const sqliteDb = path.join(dir, 'fleet.db');
    const runs = await Promise.all(
      [pgDb, sqliteDb].flatMap((db) => logs.map((f, i) => errscanAsync(['ingest', f, '--db', db, '--host', `h${i + 1}`, '--quiet']))),
    );
    return { pgDb, sqliteDb, runs };
  })();
  return fleet;
}

describe('fleet: one PostgreSQL database, many hosts', () => {
  it('4 concurrent `ingest --host hN` runs give totals exactly equal to the sum of genlog counts', async () => {
    const { pgDb: db, runs } = await ingestFleet();
    for (const r of runs) expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    const want = expected.reduce((acc, g) => addCounts(acc, g.counts), {} as Record<string, number>);
    expect(sum(want)).toBeGreaterThan(1500);
    expect(await pgTotals(db)).toEqual(want);
    // Each host's rows are exactly its own file's.
    for (let i = 0; i < 4; i++) expect(await pgTotals(db, `host = 'h${i + 1}'`)).toEqual(expected[i]!.counts);
    expect(await pgRows(db, 'SELECT host, count(*) AS n FROM sources GROUP BY host ORDER BY host')).toEqual(
      [1, 2, 3, 4].map((i) => ({ host: `h${i}`, n: 1 })),
    );
    // Ingesting again changes nothing: every host finds its checkpoints.
    const again = await Promise.all(logs.map((f, i) => errscanAsync(['ingest', f, '--db', db, '--host', `h${i + 1}`, '--json'])));
    expect(again.map((r) => JSON.parse(r.stdout).unchanged)).toEqual([1, 1, 1, 1]);
    expect(await pgTotals(db)).toEqual(want);
  });

  it('the daily reports from PostgreSQL equal those from SQLite on the same data', async () => {
    const { pgDb, sqliteDb } = await ingestFleet();
    const days = Object.keys(expected[0]!.byDay).sort();
    expect(days.length).toBe(7);
    const variants = [
      ...days.map((d) => ['--day', d, '--json']),
      ['--since', days[0]!, '--until', days.at(-1)!, '--by', 'source', '--trend', '7d', '--json'],
      ['--day', days[4]!, '--vendor', 'qlm', '--by', 'category', '--json'],
      ['--day', days[3]!, '--by', 'host', '--json'],
      ['--day', days[2]!, '--csv'],
      ['--day', days[5]!, '--markdown'],
    ];
    const outs = await Promise.all(
      variants.map((args) =>
        Promise.all([sqliteDb, pgDb].map((db) => errscanAsync(['report', '--db', db, '--top', '0', '--tz', 'UTC', ...args]))),
      ),
    );
    for (const [a, b] of outs) {
      expect({ status: a!.status, stderr: a!.stderr }).toEqual({ status: 0, stderr: '' });
      expect({ status: b!.status, stderr: b!.stderr }).toEqual({ status: 0, stderr: '' });
      expect(b!.stdout).toBe(a!.stdout);
    }
    // Each day's report is that day's genlog counts, summed over the four files.
    days.forEach((day, i) => {
      const r = JSON.parse(outs[i]![1]!.stdout) as { total: number; rows: unknown[] };
      expect(r.total).toBe(sum(expected.reduce((acc, g) => addCounts(acc, g.byDay[day] ?? {}), {} as Record<string, number>)));
      expect(r.rows.length).toBeGreaterThan(10);
    });
  });

  it('a killed ingest loses nothing and counts nothing twice when run again', async () => {
    const big = path.join(dir, 'big.log');
    // Hits spread over 400 days: nearly every hit is a key of its own, so the sink commits every 5000 keys
    // and the file takes several commits.
    const want = genlog(big, 16, 42, ['--rate', '0.2', '--days', '400']).counts;
    // Killed as soon as its first batch is visible, so the kill lands mid-file; should the whole file be in
    // by then (a fast machine), try again on a fresh schema.
    let db = '';
    let partial = 0;
    for (let attempt = 0; attempt < 6; attempt++) {
      db = (await schema()).url;
      const p = spawn(process.execPath, [BIN, 'ingest', big, '--db', db, '--host', 'k1', '--quiet'], { stdio: 'ignore' });
      const closed = new Promise<NodeJS.Signals | null>((resolve) => p.on('close', (_code, signal) => resolve(signal)));
      partial = 0;
      for (let i = 0; i < 1200 && partial === 0; i++) {
        await new Promise((r) => setTimeout(r, 25));
        partial = await pgTotals(db).then(sum, () => 0);
      }
      p.kill('SIGKILL');
      const signal = await closed;
      partial = sum(await pgTotals(db));
      if (signal === 'SIGKILL' && partial > 0 && partial < sum(want)) break;
    }
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(sum(want));
    const r = await errscanAsync(['ingest', big, '--db', db, '--host', 'k1', '--quiet']);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    expect(await pgTotals(db)).toEqual(want);
  });

  it('scan from standard input (tail -F … | errscan) and scan --follow record into PostgreSQL under --host', async () => {
    const db = (await schema()).url;
    const piped = await errscanAsync(['--db', db, '--host', 'web-1', '--source', 'stream', '--quiet'], { input: fs.readFileSync(logs[0]!, 'utf8') });
    expect(piped.status).toBe(0);
    expect(await pgTotals(db, "host = 'web-1' AND source = 'stream'")).toEqual(expected[0]!.counts);

    // Follow a growing file; ERRSCAN_HOST labels it when --host is not given.
    const live = path.join(dir, 'live.log');
    fs.writeFileSync(live, '');
    const p = spawn(process.execPath, [BIN, 'scan', '--follow', live, '--db', db, '--quiet'], {
      env: { ...process.env, TZ: 'UTC', NO_COLOR: '1', ERRSCAN_HOST: 'web-2' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const closed = new Promise<number | null>((resolve) => p.on('close', (code) => resolve(code)));
    fs.appendFileSync(live, fs.readFileSync(logs[1]!));
    const want = expected[1]!.counts;
    const deadline = Date.now() + 30_000;
    let got: Record<string, number> = {};
    while (Date.now() < deadline && sum(got) < sum(want)) {
      await new Promise((r) => setTimeout(r, 200));
      got = await pgTotals(db, "host = 'web-2'");
    }
    p.kill('SIGINT');
    await closed;
    expect(stderr).toBe('');
    expect(got).toEqual(want);
    expect(await pgTotals(db, "host = 'web-2'")).toEqual(want);
  });

  it('without --host or $ERRSCAN_HOST, a run writes under the machine\'s hostname', async () => {
    const db = (await schema()).url;
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'ERRSCAN_HOST'));
    const p = spawnSync(process.execPath, [BIN, '--db', db, '--source', 'stream', '--quiet'], { input: fs.readFileSync(logs[2]!), env, encoding: 'utf8' });
    expect(p.status).toBe(0);
    expect(await pgRows(db, 'SELECT DISTINCT host FROM counts')).toEqual([{ host: os.hostname() }]);
    expect(await pgRows(db, 'SELECT host, command FROM runs')).toEqual([{ host: os.hostname(), command: 'scan' }]);
    expect(await pgTotals(db)).toEqual(expected[2]!.counts);
  });

  it('db info, prune and vacuum work against PostgreSQL, never printing the password', async () => {
    const s = await schema();
    // The test server trusts loopback logins, so any password is accepted: it only has to stay hidden.
    const u = new URL(s.url);
    u.password = 'hunter2';
    const db = u.toString();
    expect(errscan(['ingest', logs[0]!, '--db', db, '--host', 'h1', '--quiet']).status).toBe(0);
    const info = errscan(['db', 'info', '--db', db, '--json']);
    expect(info.status).toBe(0);
    const i = JSON.parse(info.stdout) as { location: string; schemaVersion: number; rows: Record<string, number>; sources: unknown[] };
    expect(i.location).toBe(db.replace(/\/\/[^@/]*@/, '//***@'));
    expect(i.schemaVersion).toBe(2);
    expect(i.rows.counts).toBeGreaterThan(0);
    expect(i.rows.runs).toBe(1);
    expect(i.sources).toHaveLength(1);

    const before = (await pgRows(s.url, "SELECT count(*) AS n FROM counts WHERE bucket + 3600 <= extract(epoch FROM timestamptz '2026-11-19T00:00:00Z')"))[0]!.n as number;
    const samples = (await pgRows(s.url, "SELECT count(*) AS n FROM samples WHERE ts < '2026-11-19T00:00:00.000Z'"))[0]!.n as number;
    expect(before).toBeGreaterThan(0);
    const pruned = errscan(['db', 'prune', '--older-than', '2026-11-19', '--db', db, '--json']);
    expect(JSON.parse(pruned.stdout)).toEqual({ removed: before + samples, before: '2026-11-19T00:00:00.000Z' });
    expect((await pgRows(s.url, "SELECT min(first_seen) AS m FROM counts"))[0]!.m).toMatch(/^2026-11-(19|2)/);

    const vac = errscan(['db', 'vacuum', '--db', db]);
    expect(vac.status).toBe(0);
    expect(vac.stdout).toMatch(/^vacuumed postgres:\/\/\*\*\*@127\.0\.0\.1:\d+\/errscan\?options=[^ ]+: [\d.]+ KiB -> [\d.]+ KiB\n$/);
    for (const r of [info, pruned, vac]) expect(r.stdout + r.stderr).not.toContain('hunter2');
  });

  it('db info on a database without errscan tables, and a bad --host, are one-line errors', async () => {
    const s = await schema();
    const r = errscan(['db', 'info', '--db', s.url]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `errscan: ${s.url.replace(/\/\/[^@/]*@/, '//***@')}: no errscan tables in this database yet (record some logs first with \`errscan ingest\` or \`errscan scan\`, or check the URL)\n`,
    );
    const bad = errscan(['--host', '  ', 'db', 'info', '--db', s.url]);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n').at(-1)).toBe('errscan: --host must be a name of 1 to 255 printable characters, got "  " (e.g. --host web-1, or set $ERRSCAN_HOST)');
  });
});
