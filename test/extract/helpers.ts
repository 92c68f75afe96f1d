// Shared by the extraction tests: the labelled fixture lines (fixtures/extract/*.jsonl).
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../helpers/cli.js';

/** Every fixture line, each made one line (CR and LF inside become a space). */
export function fixtureLines(): string[] {
  const dir = path.join(ROOT, 'fixtures/extract');
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .flatMap((f) => fs.readFileSync(path.join(dir, f), 'utf8').split('\n'))
    .filter((l) => l.trim() !== '')
    .map((l) => (JSON.parse(l) as { line: string }).line.replace(/[\r\n]+/g, ' '));
}
