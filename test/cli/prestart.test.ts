// The entry point's guess, from the raw arguments, of the reading threads an `ingest` will want.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prestartPlan } from '../../src/cli/prestart.js';

/** The threads prestart starts: 0 when it starts none. */
const prestartThreads = (args: string[], e: NodeJS.ProcessEnv): number => prestartPlan(args, e)?.threads ?? 0;

let dir: string;
let big: string;
let small: string;
const env = { ERRSCAN_PARALLEL_MIN: '100', ERRSCAN_THREADS: '3' };

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'errscan-prestart-'));
  big = path.join(dir, 'big.log');
  small = path.join(dir, 'small.log');
  fs.writeFileSync(big, 'x'.repeat(100));
  fs.writeFileSync(small, 'x'.repeat(99));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('prestartPlan: threads', () => {
  it('an ingest naming a big file: the threads ingest will use', () => {
    expect(prestartThreads(['ingest', big], env)).toBe(3);
    expect(prestartThreads(['ingest', small, big, '--quiet'], env)).toBe(3);
    expect(prestartThreads(['--db', '/tmp/x.db', '--catalog', 'c.json', '-q', 'ingest', big], env)).toBe(3);
  });

  it('--threads wins over $ERRSCAN_THREADS, in both spellings', () => {
    expect(prestartThreads(['ingest', big, '--threads', '2'], env)).toBe(2);
    expect(prestartThreads(['ingest', '--threads=4', big], env)).toBe(4);
    expect(prestartThreads(['ingest', big, '--threads', '1'], env)).toBe(0);
  });

  it('the default is the cores, at most 4', () => {
    const cores = Math.min(4, os.availableParallelism());
    expect(prestartThreads(['ingest', big], { ERRSCAN_PARALLEL_MIN: '100' })).toBe(cores > 1 ? cores : 0);
  });

  it('nothing for other commands, small files, directories, help or a bad --threads', () => {
    expect(prestartThreads(['scan', big], env)).toBe(0);
    expect(prestartThreads([big], env)).toBe(0);
    expect(prestartThreads(['report', '--db', big], env)).toBe(0);
    expect(prestartThreads(['ingest', small], env)).toBe(0);
    expect(prestartThreads(['ingest', dir], env)).toBe(0);
    expect(prestartThreads(['ingest', path.join(dir, 'missing.log')], env)).toBe(0);
    expect(prestartThreads(['ingest', big, '--help'], env)).toBe(0);
    expect(prestartThreads(['ingest', big, '--threads', 'many'], env)).toBe(0);
    expect(prestartThreads(['ingest', big, '--threads', '0'], env)).toBe(0);
    expect(prestartThreads([], env)).toBe(0);
  });
});

describe('prestartPlan: preparing', () => {
  it('lets the threads prepare on the big file, unless --catalog adds catalogs they would not find', () => {
    expect(prestartPlan(['ingest', small, big], env)).toEqual({ threads: 3, prepare: { file: big } });
    expect(prestartPlan(['ingest', path.relative(process.cwd(), big)], env)?.prepare).toEqual({ file: big });
    expect(prestartPlan(['--catalog', 'c.json', 'ingest', big], env)).toEqual({ threads: 3, prepare: undefined });
    expect(prestartPlan(['ingest', big, '--catalog=c.json'], env)).toEqual({ threads: 3, prepare: undefined });
    expect(prestartPlan(['ingest', small], env)).toBeUndefined();
  });
});
