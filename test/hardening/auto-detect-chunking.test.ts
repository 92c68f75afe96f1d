// `--format auto` on a live pipe decides from the first line; text after a JSON first line must keep its hits.
import { Readable } from 'node:stream';
import { expect, it } from 'vitest';
import { loadCatalogs } from '../../src/catalog/index.js';
import { compileExtractor } from '../../src/extract/index.js';
import { runPipeline } from '../../src/pipeline/index.js';
import { start, summaryOf } from './helpers.js';

const LINES = ['{"a":1}\n', '2026-11-20T10:00:00Z ERROR [webtwain] AcquireImage failed: ErrorCode=-2326\n', '2026-11-20T10:00:01Z ERROR [webtwain] AcquireImage failed: ErrorCode=-2342\n'];

it('auto-detection does not depend on how standard input is chunked', async () => {
  const catalogs = loadCatalogs();
  const extractor = compileExtractor(catalogs);
  const run = async (chunks: string[]): Promise<number> => {
    const r = await runPipeline(
      { inputs: ['-'], stdin: Readable.from(chunks.map((c) => Buffer.from(c)), { objectMode: false }), tz: 'UTC' },
      { extractor, catalogs, sinks: [{ event() {}, checkpoint() {}, flush: async () => {}, close: async () => {} }] },
    );
    return r.hits;
  };
  expect(await run([LINES.join('')])).toBe(2);
  expect(await run(LINES)).toBe(2);
});

it('a pipe whose first line is JSON and the rest text keeps every hit', async () => {
  const p = start(['--no-db', '--json']);
  p.child.stdin!.write(LINES[0]!);
  await new Promise((r) => setTimeout(r, 1500));
  p.child.stdin!.end(LINES[1]! + LINES[2]!);
  const exit = await p.exited;
  expect(summaryOf(exit.stderr)).toMatchObject({ hits: 2, skipped: 0 });
});
