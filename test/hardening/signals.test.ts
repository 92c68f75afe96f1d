// SIGTERM and SIGINT in the middle of a stream commit everything read and print the summary; a closed
// stdout (`errscan … | head -1`) ends cleanly with status 0 and no stack trace.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BIN,
  ENV,
  cleanup,
  contentPrefix,
  dbOffset,
  dbTotals,
  errscan,
  expectNoStack,
  genlog,
  oracle,
  start,
  sum,
  summaryOf,
  tmpDir,
  totalsOfJson,
  waitFor,
  type Generated,
} from './helpers.js';

let dir: string;
let busy: Generated;

beforeAll(() => {
  dir = tmpDir('signals');
  // Dense with hits, so a paused stdout stops the reader early in the file.
  busy = genlog(path.join(dir, 'busy.log'), { mb: 3, seed: 31, rate: 0.3 });
});

afterAll(() => cleanup(dir));

const hit = (i: number): string => `2026-11-20T09:${String(i % 60).padStart(2, '0')}:00Z WARN  LicenseClient - Dynamsoft License Server returned error -20${[100, 101, 102, 104, 111][i % 5]}\n`;

describe('a signal in the middle of standard input', () => {
  for (const [sig, status] of [['SIGTERM', 0], ['SIGINT', 130]] as const) {
    it(`${sig}: every hit read so far is committed, the summary is printed, exit ${status}`, async () => {
      const db = path.join(dir, `stdin-${sig}.db`);
      const p = start(['--db', db, '--json']);
      let text = '';
      for (let i = 0; i < 37; i++) text += `${hit(i)}2026-11-20T09:00:00Z INFO  quiet line ${i}\n`;
      p.child.stdin!.write(text);
      await waitFor(() => p.out.stdout.split('\n').length > 37, 15_000, 'the 37 hits to be printed');
      p.kill(sig);
      const exit = await p.exited;
      expect(exit.status).toBe(status);
      expectNoStack(exit.stderr);
      const s = summaryOf(exit.stderr);
      expect(s).toMatchObject({ hits: 37, lines: 74, interrupted: true, errors: 0 });
      const printed = totalsOfJson(exit.stdout);
      expect(sum(printed)).toBe(37);
      expect(dbTotals(db)).toEqual(printed);
    });
  }
});

describe('a signal in the middle of a file', () => {
  it('SIGTERM while stdout is full: what was read is committed (= what was printed), a later ingest adds exactly the rest', async () => {
    const db = path.join(dir, 'file-term.db');
    const p = start(['scan', '--db', db, '--json', busy.file]);
    p.child.stdout!.pause();
    await waitFor(() => fs.existsSync(db) && dbOffset(db, busy.file) > 0, 15_000, 'a first checkpoint');
    p.kill('SIGTERM');
    p.child.stdout!.resume();
    const exit = await p.exited;
    expect(exit.status).toBe(0);
    expectNoStack(exit.stderr);
    const s = summaryOf(exit.stderr);
    expect(s.interrupted).toBe(true);
    const printed = totalsOfJson(exit.stdout);
    expect(s.hits).toBe(sum(printed));
    expect(dbTotals(db)).toEqual(printed);
    // Exactly a clean run of the bytes before the checkpoint: no half batch, no line past it.
    const offset = dbOffset(db, busy.file);
    expect(offset).toBeGreaterThan(0);
    expect(offset).toBeLessThan(busy.bytes);
    expect(dbTotals(db)).toEqual(oracle(contentPrefix(busy.file, offset)).totals);
    const rest = errscan(['ingest', busy.file, '--db', db, '--quiet']);
    expect(rest.status, rest.stderr).toBe(0);
    expect(dbTotals(db)).toEqual(busy.counts);
  });

  it('SIGINT during ingest: exit 130, "(interrupted)" summary, a clean prefix committed, a rerun completes it exactly', async () => {
    const file = path.join(dir, 'big.log.gz');
    const big = genlog(file, { mb: 12, seed: 32, gzip: true });
    const db = path.join(dir, 'ingest-int.db');
    const p = start(['ingest', file, '--db', db], { env: { ERRSCAN_PROGRESS_MS: '20' } });
    await waitFor(() => /ingest [1-9]/.test(p.out.stderr) || /ingest 0\.[1-9]/.test(p.out.stderr), 20_000, 'progress past 0 MB');
    p.kill('SIGINT');
    const exit = await p.exited;
    expectNoStack(exit.stderr);
    expect(exit.status).toBe(130);
    expect(exit.stderr).toMatch(/^errscan: ingested 1 of 1 file .*\(interrupted\)$/m);
    const offset = dbOffset(db, file);
    expect(offset).toBeLessThan(big.bytes);
    expect(dbTotals(db)).toEqual(oracle(contentPrefix(file, offset)).totals);
    const rest = errscan(['ingest', file, '--db', db, '--quiet']);
    expect(rest.status, rest.stderr).toBe(0);
    expect(dbTotals(db)).toEqual(big.counts);
  });
});

describe('EPIPE: stdout closed by `| head -1`', () => {
  function pipeline(cmd: string): { status: number; head: string; stderr: string } {
    const r = spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" "${BIN}" ${cmd} 2>"${dir}/err.txt" | head -1; echo "status=\${PIPESTATUS[0]}" >&2`], {
      encoding: 'utf8',
      env: { ...process.env, ...ENV },
      cwd: dir,
      timeout: 60_000,
    });
    const m = /status=(\d+)/.exec(r.stderr);
    return { status: m ? Number(m[1]) : -1, head: r.stdout, stderr: fs.readFileSync(path.join(dir, 'err.txt'), 'utf8') };
  }

  it('scan (text, JSON, no DB and with a DB) ends with 0; with a DB what was read is committed and a rerun adds the rest', () => {
    for (const cmd of [`scan --no-db "${busy.file}"`, `scan --no-db --json "${busy.file}"`]) {
      const r = pipeline(cmd);
      expect(r.status, `${cmd}: ${r.stderr}`).toBe(0);
      expect(r.head.split('\n').filter(Boolean)).toHaveLength(1);
      expectNoStack(r.stderr);
    }
    const db = path.join(dir, 'epipe.db');
    const r = pipeline(`scan --db "${db}" --json "${busy.file}"`);
    expect(r.status, r.stderr).toBe(0);
    expectNoStack(r.stderr);
    const s = summaryOf(r.stderr);
    expect(s.hits).toBeLessThan(sum(busy.counts));
    const offset = dbOffset(db, busy.file);
    expect(dbTotals(db)).toEqual(oracle(contentPrefix(busy.file, offset)).totals);
    expect(errscan(['ingest', busy.file, '--db', db, '--quiet']).status).toBe(0);
    expect(dbTotals(db)).toEqual(busy.counts);
    // Other commands with long output.
    for (const cmd of ['catalog show dwt', 'catalog show pallycon --json', `report --db "${db}" --since 2026-11-01 --until 2026-11-30 --by day --top 0 --csv`]) {
      const o = pipeline(cmd);
      expect(o.status, `${cmd}: ${o.stderr}`).toBe(0);
      expect(o.head.split('\n').filter(Boolean), cmd).toHaveLength(1);
      expect(o.stderr, cmd).toBe('');
    }
  });
});
