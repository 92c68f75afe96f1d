// In-process oracle for the chaos trials: what a clean run finds in some content (the pipeline and the
// extractor of this checkout, no store), and the content a checkpoint covers in each kind of file.
import fs from 'node:fs';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { loadCatalogs, type CatalogSet } from '../../src/catalog/index.js';
import { compileExtractor } from '../../src/extract/index.js';
import { runPipeline } from '../../src/pipeline/index.js';
import type { Totals } from '../hardening/helpers.js';

let compiled: { catalogs: CatalogSet; extractor: ReturnType<typeof compileExtractor> } | undefined;

function lib(): NonNullable<typeof compiled> {
  if (!compiled) {
    const catalogs = loadCatalogs();
    compiled = { catalogs, extractor: compileExtractor(catalogs) };
  }
  return compiled;
}

/** vendor:code totals of a clean pipeline run over `content`. */
export async function totalsOf(content: Buffer, format: 'auto' | 'text' | 'ndjson' | 'json' = 'auto'): Promise<Totals> {
  const { catalogs, extractor } = lib();
  const t: Totals = {};
  await runPipeline(
    { inputs: ['-'], stdin: Readable.from([content], { objectMode: false }), tz: 'UTC', format, onError: () => undefined },
    {
      extractor,
      catalogs,
      sinks: [
        {
          event: (e) => {
            const k = `${e.vendor}:${e.code}`;
            t[k] = (t[k] ?? 0) + 1;
          },
          checkpoint: () => undefined,
          flush: async () => undefined,
          close: async () => undefined,
        },
      ],
    },
  );
  return t;
}

/**
 * What a file's committed checkpoint covers, as content a clean run can be given: the first `offset`
 * bytes (decompressed for gzip), or for a JSON array the first `offset` elements.
 */
export function coveredContent(file: string, offset: number): { content: Buffer; format: 'auto' | 'json' } {
  let buf = fs.readFileSync(file);
  if (buf[0] === 0x1f && buf[1] === 0x8b) buf = zlib.gunzipSync(buf);
  if (file.endsWith('.json')) {
    const els = JSON.parse(buf.toString('utf8')) as unknown[];
    return { content: Buffer.from(JSON.stringify(els.slice(0, offset))), format: 'json' };
  }
  return { content: buf.subarray(0, offset), format: 'auto' };
}
