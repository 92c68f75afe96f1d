// The compiled extractor as data (snapshot.ts): restored, it is the compiled one, field by field, and finds
// the same hits; the build's file is today's compilation of the shipped catalogs, and no other catalogs use it.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalogs } from '../../src/catalog/index.js';
import { unvalidatedShippedCatalogs } from '../../src/catalog/files.js';
import { catalogSet } from '../../src/catalog/set.js';
import { CompiledExtractor } from '../../src/extract/index.js';
import { SNAPSHOT_VERSION, restoreExtractor, snapshotExtractor, snapshotText, type ExtractorSnapshot } from '../../src/extract/snapshot.js';
import { ROOT } from '../helpers/cli.js';
import { fixtureLines } from './helpers.js';

/** Through JSON text, as the build writes it and a run reads it. */
const roundTrip = (s: ExtractorSnapshot): ExtractorSnapshot => JSON.parse(JSON.stringify(s)) as ExtractorSnapshot;

describe('extractor snapshots', () => {
  const set = catalogSet(unvalidatedShippedCatalogs());
  const compiled = new CompiledExtractor(set);
  const restored = restoreExtractor(set, roundTrip(snapshotExtractor(set, new CompiledExtractor(set))))!;

  it('restore the compiled extractor field by field', () => {
    expect(restored).toBeInstanceOf(CompiledExtractor);
    expect(restored).toStrictEqual(new CompiledExtractor(set));
    // The wordings an index lists by key word are its own, not copies.
    const m = (restored as unknown as { messages: { defs: object[]; byKeyWord: object[][] } }).messages;
    expect(m.byKeyWord.flat().every((d) => m.defs.includes(d))).toBe(true);
  });

  it('find the same hits, and explain them the same way, on every fixture line', () => {
    const lines = fixtureLines();
    let hits = 0;
    for (const line of lines) {
      expect(restored.extract(line)).toEqual(compiled.extract(line));
      expect(restored.explain(line)).toEqual(compiled.explain(line));
      hits += compiled.extract(line).length;
    }
    expect(hits).toBeGreaterThan(100);
    expect(restored.prefilter).toEqual(compiled.prefilter);
    expect(restored.candidate).toEqual(compiled.candidate);
  });

  it('work for any catalogs: one vendor alone', () => {
    const qlm = catalogSet(loadCatalogs().vendors.filter((v) => v.vendor === 'qlm'));
    const one = restoreExtractor(qlm, roundTrip(snapshotExtractor(qlm, new CompiledExtractor(qlm))))!;
    expect(one).toStrictEqual(new CompiledExtractor(qlm));
  });

  it('are refused for other catalogs or another format version', () => {
    const snap = roundTrip(snapshotExtractor(set, compiled));
    const qlm = catalogSet(set.vendors.filter((v) => v.vendor === 'qlm'));
    expect(restoreExtractor(qlm, snap)).toBeUndefined();
    expect(restoreExtractor(set, { ...snap, version: SNAPSHOT_VERSION + 1 })).toBeUndefined();
    expect(restoreExtractor(set, snap)).toBeInstanceOf(CompiledExtractor);
  });

  it('the build wrote the shipped catalogs\' one beside the bundle', () => {
    const file = path.join(ROOT, 'dist/bin/extractor-snapshot.json');
    if (!fs.existsSync(file)) throw new Error('run npm run build first');
    const text = fs.readFileSync(file, 'latin1');
    expect(/^[\x00-\x7f]*$/.test(text)).toBe(true);
    expect(text).toBe(snapshotText(snapshotExtractor(set, new CompiledExtractor(set))));
    expect(restoreExtractor(set, JSON.parse(text) as ExtractorSnapshot)).toStrictEqual(new CompiledExtractor(set));
  });
});
