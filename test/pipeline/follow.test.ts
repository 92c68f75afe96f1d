import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runPipeline } from '../../src/pipeline/index.js';
import type { ErrscanError } from '../../src/errors.js';
import { FakeStore, fakeEnrich, noCatalogs, type Committed } from './fakes.js';
import { fakeExtractor } from '../records/fake.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'errscan-follow-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const log = path.join(dir, 'app.log');
const line = (code: number) => `2026-11-22T10:00:${String(code).padStart(2, '0')}Z ERROR ErrorCode: -${code}\n`;

function follow(store: FakeStore, inputs: string[]) {
  const ac = new AbortController();
  const errors: ErrscanError[] = [];
  const done = runPipeline(
    { inputs, cwd: dir, follow: true, pollMs: 40, onError: (e) => errors.push(e) },
    { extractor: fakeExtractor(), catalogs: noCatalogs, sinks: [store], checkpoints: store, signal: ac.signal, enrich: fakeEnrich },
  );
  return { stop: () => ac.abort(), done, errors };
}

async function until(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const committedCodes = (c: Committed) => c.events.map((e) => -e.code).sort((a, b) => a - b);

describe('--follow', () => {
  it('write, rotate by rename, truncate, append, kill and restart: every hit counted exactly once', async () => {
    fs.writeFileSync(log, line(1) + line(2) + 'noise\n' + line(3));
    const a = new FakeStore();
    const runA = follow(a, ['app.log*']);
    await until('1-3 committed', () => a.committed.events.length === 3);

    // Growth, and a last line without a newline: held back while following...
    fs.appendFileSync(log, line(4) + line(5) + 'ErrorCode: -6');
    await until('4-5 committed', () => a.committed.events.length === 5);
    await new Promise((r) => setTimeout(r, 150));
    expect(committedCodes(a.committed)).toEqual([1, 2, 3, 4, 5]);

    // ...and read when the file is rotated away: the old file is finished, then the new one read.
    fs.renameSync(log, `${log}.1`);
    fs.writeFileSync(log, line(8) + line(9));
    await until('6, 8, 9 committed', () => a.committed.events.length === 8);
    // The rotated file matches the glob: a late write to it is still read, once.
    fs.appendFileSync(`${log}.1`, `\n${line(7)}`);
    await until('7 committed', () => a.committed.events.length === 9);

    // copytruncate: the same file cut to nothing and written again from the start.
    fs.truncateSync(log, 0);
    fs.appendFileSync(log, line(10));
    await until('10 committed', () => a.committed.events.length === 10);

    // Kill: whatever was not committed yet is lost; the restart must read it (and nothing else) again.
    fs.appendFileSync(log, line(11));
    const crashed = a.snapshot();
    runA.stop();
    await runA.done;
    expect(runA.errors).toEqual([]);

    const b = new FakeStore(crashed);
    const runB = follow(b, ['app.log*']);
    fs.appendFileSync(log, line(12));
    await until('11-12 committed after restart', () => committedCodes(b.committed).includes(12) && committedCodes(b.committed).includes(11));
    await new Promise((r) => setTimeout(r, 200));
    runB.stop();
    const info = await runB.done;
    expect(runB.errors).toEqual([]);
    expect(info.interrupted).toBe(true);
    expect(committedCodes(b.committed)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const byCode = new Map(b.committed.events.map((e) => [-e.code, e]));
    expect(byCode.get(6)).toMatchObject({ source: 'app.log', line: 7, ts: '2026-11-22T10:00:05.000Z' });
    // Line 7 was finished at the rotation without its newline; the late newline makes an empty line 8.
    expect(byCode.get(7)).toMatchObject({ source: 'app.log.1', line: 9 });
    expect(byCode.get(10)).toMatchObject({ source: 'app.log', line: 1 });
    expect(byCode.get(12)).toMatchObject({ source: 'app.log', line: 3, ts: '2026-11-22T10:00:12.000Z' });
  }, 30_000);

  it('picks up new files in a followed directory, and waits for a named file to appear', async () => {
    const sub = path.join(dir, 'sub');
    fs.mkdirSync(sub);
    const s = new FakeStore();
    const r = follow(s, ['sub', 'later.log']);
    await new Promise((res) => setTimeout(res, 100));
    fs.writeFileSync(path.join(sub, 'new.log'), line(21));
    fs.writeFileSync(path.join(dir, 'later.log'), line(22));
    await until('21, 22 committed', () => s.committed.events.length === 2);
    r.stop();
    await r.done;
    expect(committedCodes(s.committed)).toEqual([21, 22]);
    expect(r.errors.map((e) => e.oneLine())).toEqual(['errscan: later.log: not there yet; waiting for it to appear (check the path)']);
  }, 15_000);
});
