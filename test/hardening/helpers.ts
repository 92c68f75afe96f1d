// Shared by the hardening suite (test/hardening, fast) and the chaos suite (test/chaos, long trials):
// generated logs with exact expected counts, the built CLI as a child process, database read-outs,
// fault injection that fails loudly when the fault cannot be injected, and a seeded RNG.
import { spawn, spawnSync, type SpawnOptions } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import Database from 'better-sqlite3';
import { expect } from 'vitest';
import type { RunInfo } from '../../src/pipeline/types.js';
import { BIN, ROOT } from '../helpers/cli.js';

export { BIN, ROOT, errscan } from '../helpers/cli.js';

export const GENLOG = path.join(ROOT, 'bench/genlog.mjs');
export const ENV = { TZ: 'UTC', NO_COLOR: '1' };

export type Totals = Record<string, number>;

/** A fresh directory under the system temp dir; removed by `cleanup`. */
export function tmpDir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `errscan-${tag}-`));
}

export function cleanup(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

export interface Generated {
  file: string;
  bytes: number;
  lines: number;
  errorLines: number;
  /** vendor:code → exact number of vendor error lines written. */
  counts: Totals;
}

/** `bench/genlog.mjs` into `file` (optionally gzipped); its stderr JSON gives the exact expected counts. */
export function genlog(file: string, o: { mb: number; seed: number; rate?: number; days?: number; gzip?: boolean }): Generated {
  const args = [GENLOG, '--mb', String(o.mb), '--seed', String(o.seed)];
  if (o.rate !== undefined) args.push('--rate', String(o.rate));
  if (o.days !== undefined) args.push('--days', String(o.days));
  const r = spawnSync(process.execPath, args, { maxBuffer: 1024 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`genlog failed: ${String(r.stderr)}`);
  const stats = JSON.parse(String(r.stderr).trim().split('\n').pop()!) as Omit<Generated, 'file'>;
  fs.writeFileSync(file, o.gzip ? zlib.gzipSync(r.stdout) : r.stdout);
  return { file, bytes: stats.bytes, lines: stats.lines, errorLines: stats.errorLines, counts: stats.counts };
}

export function sum(t: Totals): number {
  return Object.values(t).reduce((a, b) => a + b, 0);
}

/** Adds totals (b into a copy of a). */
export function addTotals(a: Totals, b: Totals): Totals {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0) + v;
  return out;
}

function openRead(db: string): Database.Database {
  return new Database(db, { readonly: true, fileMustExist: true });
}

/** vendor:code → hits counted in the database. */
export function dbTotals(db: string): Totals {
  const d = openRead(db);
  try {
    const rows = d.prepare("SELECT vendor || ':' || code AS k, sum(count) AS n FROM counts GROUP BY vendor, code").all() as Array<{ k: string; n: number }>;
    return Object.fromEntries(rows.map((r) => [r.k, r.n]));
  } finally {
    d.close();
  }
}

/** bucket|vendor|code → hits, whatever the source label (a rotated file may be labelled by either name). */
export function dbBuckets(db: string): Totals {
  const d = openRead(db);
  try {
    const rows = d
      .prepare("SELECT bucket || '|' || vendor || ':' || code AS k, sum(count) AS n FROM counts GROUP BY bucket, vendor, code")
      .all() as Array<{ k: string; n: number }>;
    return Object.fromEntries(rows.map((r) => [r.k, r.n]));
  } finally {
    d.close();
  }
}

/** Every count row as one string, sorted: a full comparison of two databases' counts. */
export function dbRows(db: string): string[] {
  const d = openRead(db);
  try {
    return (
      d.prepare('SELECT bucket, vendor, code, source, host, count, first_seen, last_seen FROM counts ORDER BY 1, 2, 3, 4, 5').raw().all() as unknown[][]
    ).map((r) => r.join('|'));
  } finally {
    d.close();
  }
}

export interface SourceRow {
  source: string;
  path: string | null;
  offset: number;
  lines: number;
}

export function dbSources(db: string): SourceRow[] {
  const d = openRead(db);
  try {
    return d.prepare('SELECT source, path, offset, lines FROM sources ORDER BY source').all() as SourceRow[];
  } finally {
    d.close();
  }
}

/** The checkpoint offset of one file (by path), or 0. */
export function dbOffset(db: string, file: string): number {
  return dbSources(db).find((s) => s.path === file)?.offset ?? 0;
}

export function dbTables(db: string): string[] {
  const d = openRead(db);
  try {
    return (d.prepare("SELECT type || ' ' || name AS n FROM sqlite_master ORDER BY 1").all() as Array<{ n: string }>).map((r) => r.n);
  } finally {
    d.close();
  }
}

export function integrityOk(db: string): boolean {
  const d = openRead(db);
  try {
    return d.pragma('integrity_check', { simple: true }) === 'ok';
  } finally {
    d.close();
  }
}

/** vendor:code totals of NDJSON hits printed by `scan --json`. */
export function totalsOfJson(stdout: string): Totals {
  const t: Totals = {};
  for (const l of stdout.split('\n')) {
    if (l === '') continue;
    const e = JSON.parse(l) as { vendor: string; code: number };
    const k = `${e.vendor}:${e.code}`;
    t[k] = (t[k] ?? 0) + 1;
  }
  return t;
}

export interface Summary extends RunInfo {
  maxRssKiB: number;
  interrupted: boolean;
}

/** The `{"summary": …}` line `scan --json` ends stderr with. */
export function summaryOf(stderr: string): Summary {
  const line = stderr.trim().split('\n').reverse().find((l) => l.startsWith('{"summary"'));
  if (!line) throw new Error(`no JSON summary on stderr:\n${stderr}`);
  return (JSON.parse(line) as { summary: Summary }).summary;
}

/**
 * What a clean run finds in some content (the oracle for "committed = a clean run of what was read"):
 * `scan --no-db --json` over it on standard input.
 */
export function oracle(content: Buffer, extra: string[] = []): { totals: Totals; summary: Summary } {
  const r = spawnSync(process.execPath, [BIN, 'scan', '--no-db', '--json', ...extra, '-'], {
    input: content,
    env: { ...process.env, ...ENV },
    maxBuffer: 1024 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`oracle scan failed (${r.status}): ${String(r.stderr)}`);
  return { totals: totalsOfJson(String(r.stdout)), summary: summaryOf(String(r.stderr)) };
}

/** The content (decompressed for gzip) of a file up to a checkpoint offset. */
export function contentPrefix(file: string, offset: number): Buffer {
  let buf = fs.readFileSync(file);
  if (buf[0] === 0x1f && buf[1] === 0x8b) buf = zlib.gunzipSync(buf);
  return buf.subarray(0, offset);
}

/**
 * Asserts a failure ended in exactly one clear line on stderr: `errscan: …`, naming `file` when given,
 * matching `re`, with no stack trace and no "internal error".
 */
export function expectOneLineError(stderr: string, re: RegExp, file?: string): void {
  const lines = stderr.split('\n').filter((l) => l.trim() !== '');
  expect(lines, `stderr:\n${stderr}`).toHaveLength(1);
  const line = lines[0]!;
  expect(line).toMatch(/^errscan: /);
  expect(line).toMatch(re);
  if (file !== undefined) expect(line).toContain(file);
  expectNoStack(stderr);
}

export function expectNoStack(stderr: string): void {
  expect(stderr).not.toMatch(/^\s+at .+[(:]\d+/m);
  expect(stderr).not.toMatch(/internal error|Uncaught|node:internal|TypeError|RangeError|ReferenceError/);
}

export interface Exit {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A running errscan: its output so far, and a promise of how it ended. */
export interface Proc {
  pid: number;
  out: { stdout: string; stderr: string };
  exited: Promise<Exit>;
  kill(sig: NodeJS.Signals): void;
  child: ReturnType<typeof spawn>;
}

/** Starts the built CLI. `stdout: 'ignore'` for runs whose output does not matter (no backpressure). */
export function start(args: string[], o: SpawnOptions & { env?: NodeJS.ProcessEnv; ignoreStdout?: boolean } = {}): Proc {
  const child = spawn(process.execPath, [BIN, ...args], {
    ...o,
    stdio: ['pipe', o.ignoreStdout ? 'ignore' : 'pipe', 'pipe'],
    env: { ...process.env, ...ENV, ...(o.env ?? {}) },
  });
  const out = { stdout: '', stderr: '' };
  child.stdout?.setEncoding('utf8').on('data', (s: string) => (out.stdout += s));
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (out.stderr += s));
  const exited = new Promise<Exit>((resolve) => {
    child.on('close', (status, signal) => resolve({ status, signal, stdout: out.stdout, stderr: out.stderr }));
  });
  return { pid: child.pid!, out, exited, child, kill: (sig) => child.kill(sig) };
}

/** Runs the built CLI to its end, asynchronously (so the test process can hold locks meanwhile). */
export function runAsync(args: string[], o: { env?: NodeJS.ProcessEnv; input?: string | Buffer; timeoutMs?: number } = {}): Promise<Exit> {
  const p = start(args, { env: o.env ?? {} });
  p.child.stdin!.on('error', () => undefined);
  p.child.stdin!.end(o.input ?? '');
  if (o.timeoutMs) {
    const t = setTimeout(() => p.kill('SIGKILL'), o.timeoutMs);
    void p.exited.then(() => clearTimeout(t));
  }
  return p.exited;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` every `every` ms until it holds; throws after `ms`. */
export async function waitFor(cond: () => boolean, ms: number, what: string, every = 20): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    let ok = false;
    try {
      ok = cond();
    } catch {
      ok = false;
    }
    if (ok) return;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(every);
  }
}

/** mulberry32: a small seeded RNG, so a failing trial can be replayed with the seed it prints. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed of this run: $CHAOS_SEED to replay one, else a fresh one. Printed so failures reproduce. */
export function chaosSeed(name: string): number {
  const env = process.env.CHAOS_SEED;
  const seed = env !== undefined && env !== '' ? Number(env) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
  console.log(`[${name}] seed ${seed} (replay with CHAOS_SEED=${seed})`);
  return seed;
}

// -------------------------------------------------------------------------------------------------
// Fault injection. Each helper verifies that the fault is really in place and throws otherwise, so a
// test cannot pass because the fault silently failed to happen (root ignores file modes, for example).

export const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

function sh(cmd: string, args: string[]): { ok: boolean; err: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { ok: r.status === 0, err: `${r.stderr ?? ''}${r.error ? String(r.error) : ''}`.trim() };
}

/** A small tmpfs at `dir` (root only: mount needs it). Returns a function that unmounts it. */
export function mountTmpfs(dir: string, bytes: number): () => void {
  fs.mkdirSync(dir, { recursive: true });
  if (!isRoot()) throw new Error(`cannot inject the fault: mounting a tmpfs at ${dir} needs root (run the suite as root, as CI does)`);
  const m = sh('mount', ['-t', 'tmpfs', '-o', `size=${bytes},mode=0755`, 'tmpfs', dir]);
  if (!m.ok) throw new Error(`cannot inject the fault: mount -t tmpfs failed: ${m.err}`);
  return () => {
    sh('umount', ['-l', dir]);
  };
}

/** Remounts a tmpfs read-only and proves that even root can no longer write there. */
export function remountReadOnly(dir: string): void {
  const m = sh('mount', ['-o', 'remount,ro', dir]);
  if (!m.ok) throw new Error(`cannot inject the fault: remount,ro failed: ${m.err}`);
  expectWriteFails(dir, 'EROFS');
}

export function expectWriteFails(dir: string, code: string): void {
  const probe = path.join(dir, '.probe');
  let failed: string | undefined;
  try {
    fs.writeFileSync(probe, 'x');
    fs.rmSync(probe);
  } catch (e) {
    failed = (e as NodeJS.ErrnoException).code;
  }
  if (failed === undefined) throw new Error(`cannot inject the fault: ${dir} is still writable`);
  expect(failed).toBe(code);
}

/** Fills the file system holding `dir` to the last byte; returns the filler's path. */
export function fillDisk(dir: string): string {
  const filler = path.join(dir, 'filler');
  const fd = fs.openSync(filler, 'w');
  const block = Buffer.alloc(4096, 0x61);
  try {
    for (;;) {
      try {
        fs.writeSync(fd, block);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOSPC') break;
        throw e;
      }
    }
    // the last partial block
    for (;;) {
      try {
        if (fs.writeSync(fd, block, 0, 1) === 0) break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOSPC') break;
        throw e;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  expectWriteFails(dir, 'ENOSPC');
  return filler;
}

export function fileHash(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}
