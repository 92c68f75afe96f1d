import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { Readable } from 'node:stream';
import { runPipeline, type PipelineOptions } from '../../src/pipeline/index.js';
import type { ErrscanError } from '../../src/errors.js';
import type { Sink } from '../../src/pipeline/types.js';
import { FakeStore, ListSink, fakeEnrich, noCatalogs } from './fakes.js';
import { NOW, fakeExtractor } from '../records/fake.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'errscan-pipeline-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let dir: string;
let n = 0;
beforeEach(() => {
  dir = path.join(root, String(++n));
  fs.mkdirSync(dir);
});

async function run(inputs: string[], sinks: Sink[], opts: Partial<PipelineOptions> = {}, checkpoints?: FakeStore) {
  const errors: ErrscanError[] = [];
  const r = await runPipeline(
    { inputs, cwd: dir, onError: (e) => errors.push(e), ...opts },
    { extractor: fakeExtractor(), catalogs: noCatalogs, sinks, enrich: fakeEnrich, now: () => new Date(NOW), ...(checkpoints ? { checkpoints } : {}) },
  );
  return { r, errors };
}

const codes = (s: { events: { code: number }[] }) => s.events.map((e) => e.code);
const write = (name: string, data: string | Buffer) => fs.writeFileSync(path.join(dir, name), data);

describe('inputs', () => {
  it('reads files, directories recursively, globs, and gzip by content (not name), each file once', async () => {
    write('a.log', 'ErrorCode: -1\n');
    fs.mkdirSync(path.join(dir, 'sub/deeper'), { recursive: true });
    write('sub/b.log', 'x\nErrorCode: -2\n');
    write('sub/deeper/c.txt', zlib.gzipSync('ErrorCode: -3\nErrorCode: -4'));
    write('sub/.hidden', 'ErrorCode: -99\n');
    const s = new ListSink();
    const { r, errors } = await run(['a.log', 'sub', 'sub/*.log', path.join(dir, 'a.log')], [s]);
    expect(errors).toEqual([]);
    expect(s.events.map((e) => [e.source, e.line, e.code])).toEqual([
      ['a.log', 1, -1],
      ['sub/b.log', 2, -2],
      ['sub/deeper/c.txt', 1, -3],
      ['sub/deeper/c.txt', 2, -4],
    ]);
    expect(r).toMatchObject({ bytes: 14 + 16 + 27, lines: 5, hits: 4, unknown: 0, errors: 0, interrupted: false });
    expect(s.info).toMatchObject({ hits: 4, lines: 5 });
  });

  it('reports a missing file, an empty glob and a corrupt gzip in one line each, and reads the rest', async () => {
    write('ok.log', 'ErrorCode: -1\n');
    const gz = zlib.gzipSync('ErrorCode: -2\n'.repeat(10000));
    write('bad.gz', gz.subarray(0, gz.length - 40));
    write('worse.gz', Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.from('garbage garbage')]));
    const s = new ListSink();
    const { r, errors } = await run(['missing.log', 'nothing*.log', 'bad.gz', 'worse.gz', 'ok.log'], [s]);
    expect(errors.map((e) => e.oneLine())).toEqual([
      'errscan: missing.log: no such file or directory (check the path)',
      'errscan: nothing*.log: the pattern matches no files (check the pattern, and quote it so the shell does not expand it)',
      expect.stringMatching(/^errscan: bad\.gz: corrupt gzip data after \d+ decompressed bytes \(unexpected end of file\) \(test it with gzip -t; what was read before the damage is kept\)$/),
      expect.stringMatching(/^errscan: worse\.gz: corrupt gzip data after 0 decompressed bytes \(.+\) \(test it/),
    ]);
    expect(r.errors).toBe(4);
    expect(r.errorCodes).toEqual(['ERRSCAN_INPUT_NOT_FOUND', 'ERRSCAN_INPUT_NOT_FOUND', 'ERRSCAN_INPUT_READ', 'ERRSCAN_INPUT_READ']);
    // What the truncated gzip held before the damage is read; then ok.log.
    expect(s.events.length).toBeGreaterThan(1000);
    expect(s.events.at(-1)).toMatchObject({ source: 'ok.log', code: -1 });
  });

  it('reads stdin, gzip-compressed or not, labelled stdin or --source', async () => {
    const s = new ListSink();
    await run(['-'], [s], { stdin: Readable.from([zlib.gzipSync('ErrorCode: -5\n')]) });
    await run([], [s], { stdin: Readable.from([Buffer.from('ErrorCode: '), Buffer.from('-6')]), source: 'pod/web' });
    expect(s.events.map((e) => [e.source, e.code])).toEqual([
      ['stdin', -5],
      ['pod/web', -6],
    ]);
    expect(s.checkpoints.at(-1)).toEqual({ source: 'pod/web', offset: 13, lines: 1 });
  });

  it('detects the format per input: text, JSON lines, JSON array', async () => {
    write('t.log', '{"a":1}\nErrorCode: -1 plain\n');
    write('n.jsonl', '{"m":"ErrorCode: -2"}\n' + '{"m":"x"}\n'.repeat(9) + '{"not json\n');
    write('a.json', '[{"m":"ErrorCode: -3"}, {"m":"ErrorCode: -4"}]');
    const s = new ListSink();
    const { r } = await run(['t.log', 'n.jsonl', 'a.json'], [s]);
    expect(s.events.map((e) => [e.source, e.line, e.code, e.text])).toEqual([
      ['t.log', 2, -1, 'ErrorCode: -1 plain'],
      ['n.jsonl', 1, -2, '{"m":"ErrorCode: -2"}'],
      ['a.json', 1, -3, '{"m":"ErrorCode: -3"}'],
      ['a.json', 2, -4, '{"m":"ErrorCode: -4"}'],
    ]);
    // 10 of 11 lines are JSON objects (≥ 90%): JSON lines, and the broken one is skipped and counted.
    expect(r.skipped).toBe(1);
  });

  it('gives the same events and counters for every read size', async () => {
    const text = '2026-11-22T10:00:00Z a\r\nErrorCode: -1\n' + 'y'.repeat(50) + ' ErrorCode: -2\nErrorCode: -3';
    write('f.log', text);
    const want = new ListSink();
    const base = await run(['f.log'], [want], { maxLine: 40 });
    expect(codes(want)).toEqual([-1, -3]);
    expect(base.r).toMatchObject({ lines: 4, oversized: 1 });
    for (let size = 1; size <= text.length + 1; size++) {
      const s = new ListSink();
      const { r } = await run(['f.log'], [s], { maxLine: 40, chunkSize: size });
      expect(s.events).toEqual(want.events);
      expect([r.lines, r.oversized, r.bytes]).toEqual([base.r.lines, base.r.oversized, base.r.bytes]);
      expect(s.checkpoints.at(-1)).toEqual(want.checkpoints.at(-1));
    }
  });
});

describe('checkpoints and resume', () => {
  it('sends growing checkpoints with identity, and ends at the file size', async () => {
    write('f.log', 'Nov 22 10:00:00 h ErrorCode: -1\n'.repeat(100));
    const s = new ListSink();
    await run(['f.log'], [s], { chunkSize: 1000 });
    const st = fs.statSync(path.join(dir, 'f.log'));
    const offsets = s.checkpoints.map((c) => c.offset);
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    expect(new Set(offsets).size).toBe(offsets.length);
    expect(s.checkpoints.at(-1)).toMatchObject({
      source: 'f.log',
      path: path.join(dir, 'f.log'),
      dev: st.dev,
      ino: st.ino,
      offset: st.size,
      lines: 100,
      lastTs: '2026-11-22T10:00:00.000Z',
    });
    expect(s.checkpoints.at(-1)!.fingerprint).toMatch(/^[0-9a-f]{40}$/);
  });

  it('a fully read file adds nothing; a grown file continues; a replaced file starts over', async () => {
    const f = path.join(dir, 'f.log');
    fs.writeFileSync(f, 'ErrorCode: -1\n');
    const store = new FakeStore();
    await run(['f.log'], [store], {}, store);
    expect(codes(store.committed)).toEqual([-1]);

    await run(['f.log'], [store], {}, store);
    expect(codes(store.committed)).toEqual([-1]);

    // Growing a file still under 1 KiB changes its first KiB: the fingerprint covers only what was read.
    fs.appendFileSync(f, '2026-11-22T09:00:00Z x\nErrorCode: -2\n');
    await run(['f.log'], [store], {}, store);
    expect(store.committed.events.map((e) => [e.code, e.line, e.ts])).toEqual([
      [-1, 1, new Date(NOW).toISOString()],
      [-2, 3, '2026-11-22T09:00:00.000Z'],
    ]);

    // Same inode, different first bytes (rewritten in place): read again from 0.
    fs.writeFileSync(f, 'ErrorCode: -3\n'.padEnd(60, ' ') + '\n');
    await run(['f.log'], [store], {}, store);
    expect(codes(store.committed)).toEqual([-1, -2, -3]);
  });

  it('resumes gzip by decompressed bytes and JSON arrays by element', async () => {
    write('z.log', zlib.gzipSync('ErrorCode: -1\nErrorCode: -2\n'));
    write('a.json', '[{"m":"ErrorCode: -3"}]');
    const store = new FakeStore();
    await run(['z.log', 'a.json'], [store], {}, store);
    expect(codes(store.committed)).toEqual([-1, -2, -3]);
    const cps = [...store.committed.checkpoints.values()].map((c) => [c.source, c.offset, c.lines]);
    expect(cps).toEqual([
      ['z.log', 28, 2],
      ['a.json', 1, 1],
    ]);
    // Unchanged: nothing is read twice.
    await run(['z.log', 'a.json'], [store], {}, store);
    expect(codes(store.committed)).toEqual([-1, -2, -3]);
  });

  it('a resumed gzip skips what it consumed (checkpoint from an interrupted run)', async () => {
    const body = Array.from({ length: 50 }, (_, i) => `ErrorCode: -${i + 1}`).join('\n') + '\n';
    write('z.gz', zlib.gzipSync(body));
    const full = new FakeStore();
    await run(['z.gz'], [full], {}, full);
    const cp = [...full.committed.checkpoints.values()][0]!;
    // Pretend the first run stopped after line 20.
    const offset = body.split('\n').slice(0, 20).join('\n').length + 1;
    const store = new FakeStore({ checkpoints: new Map([[`file:${cp.dev}:${cp.ino}`, { ...cp, offset, lines: 20 }]]), events: [] });
    await run(['z.gz'], [store], {}, store);
    expect(store.committed.events.map((e) => e.line)).toEqual(Array.from({ length: 30 }, (_, i) => i + 21));
  });

  it('replay mode (scan) prints the whole file but sends only new events and checkpoints past the committed one', async () => {
    const f = path.join(dir, 'f.log');
    fs.writeFileSync(f, 'ErrorCode: -1\n');
    const store = new FakeStore();
    await run(['f.log'], [store], { replay: true }, store);
    fs.appendFileSync(f, 'ErrorCode: -2\n');
    const printer = new ListSink();
    const before = store.allCheckpoints.length;
    await run(['f.log'], [printer, store], { replay: true, chunkSize: 4 }, store);
    expect(codes(printer)).toEqual([-2]);
    expect(printer.replays.map((e) => e.code)).toEqual([-1]);
    expect(codes(store.committed)).toEqual([-1, -2]);
    expect(store.allCheckpoints.slice(before).every((c) => c.offset > 14)).toBe(true);
  });
});

describe('backpressure and stopping', () => {
  it('does not read on while a sink is not ready', async () => {
    write('f.log', 'ErrorCode: -1\n'.repeat(1000));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = new ListSink() as ListSink & { ready(): Promise<void> | undefined };
    let waiting = false;
    slow.ready = () => (slow.events.length >= 10 && !waiting ? ((waiting = true), gate) : undefined);
    const p = run(['f.log'], [slow], { chunkSize: 140 });
    await new Promise((r) => setTimeout(r, 100));
    expect(slow.events.length).toBe(10);
    release();
    const { r } = await p;
    expect(r.hits).toBe(1000);
  });

  it('stops on abort, checkpointing only complete lines', async () => {
    const ac = new AbortController();
    const s = new ListSink();
    const stdin = new Readable({ read() {} });
    stdin.push('ErrorCode: -1\nErrorCode: -2 partial');
    const p = runPipeline(
      { inputs: [], stdin, onError: () => undefined },
      { extractor: fakeExtractor(), catalogs: noCatalogs, sinks: [s], enrich: fakeEnrich, signal: ac.signal },
    );
    await new Promise((r) => setTimeout(r, 50));
    ac.abort();
    const r = await p;
    expect(r.interrupted).toBe(true);
    expect(codes(s)).toEqual([-1]);
    expect(s.checkpoints.at(-1)).toMatchObject({ offset: 14, lines: 1 });
  });

  it('a failing sink stops the run and its error is thrown after the sinks are closed', async () => {
    write('f.log', 'ErrorCode: -1\n');
    const bad = new ListSink();
    bad.flush = async () => {
      throw new Error('disk full');
    };
    await expect(run(['f.log'], [bad])).rejects.toThrow('disk full');
    expect(bad.info).toBeDefined();
  });
});
