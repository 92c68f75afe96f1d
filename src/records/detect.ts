// `--format auto`: decided from the first bytes of the content (after gzip, if any).
import { JsonArrayReader } from './jsonarray.js';
import { NdjsonReader } from './ndjson.js';
import { TextReader } from './text.js';
import type { Format, FormatOption, ReaderOptions, RecordReader } from './types.js';

/** How much content auto-detection looks at, at most. */
export const SNIFF_BYTES = 64 * 1024;
const SNIFF_LINES = 100;

function isSpace(b: number | undefined): boolean {
  return b === 32 || b === 9 || b === 10 || b === 13;
}

function parses(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

/**
 * The format of content that starts with `sample`, or undefined when more bytes are needed (`final`
 * says there are no more, or that the sample is as big as detection gets).
 *
 * - `[` then `{`, `[`, `"` or `]` → a JSON array; `[` then anything else → a JSON array only if the
 *   first line is valid JSON (so `[2026-11-22 10:00:00] INFO` and `[DWT] ...` stay text);
 * - `{` → JSON lines if at least 90% of the first lines (up to 100) parse as JSON objects, else text
 *   (a text log that happens to start with a JSON line, or a pretty-printed object, stays text);
 * - anything else → text.
 */
export function detectFormat(sample: Buffer, final: boolean): Format | undefined {
  let i = 0;
  if (sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf) i = 3;
  while (i < sample.length && isSpace(sample[i])) i++;
  if (i >= sample.length) return final ? 'text' : undefined;
  const c = sample[i];
  if (c === 0x5b /* [ */) {
    let j = i + 1;
    while (j < sample.length && isSpace(sample[j])) j++;
    if (j >= sample.length) return final ? 'json' : undefined;
    const d = sample[j];
    if (d === 0x7b || d === 0x5b || d === 0x22 || d === 0x5d) return 'json';
    const nl = sample.indexOf(10, i);
    if (nl < 0 && !final) return undefined;
    return parses(sample.toString('utf8', i, nl < 0 ? sample.length : nl)) === undefined ? 'text' : 'json';
  }
  if (c === 0x7b /* { */) {
    let total = 0;
    let json = 0;
    let pos = i;
    while (total < SNIFF_LINES && pos < sample.length) {
      let nl = sample.indexOf(10, pos);
      if (nl < 0) {
        if (!final) break;
        nl = sample.length;
      }
      const line = sample.toString('utf8', pos, nl).trim();
      if (line !== '') {
        total++;
        const v = parses(line);
        if (v !== null && typeof v === 'object' && !Array.isArray(v)) json++;
      }
      pos = nl + 1;
    }
    if (total === 0) return final ? 'ndjson' : undefined;
    return json >= 0.9 * total ? 'ndjson' : 'text';
  }
  return 'text';
}

/** A reader for a format (`auto` must be resolved first). */
export function createReader(format: Format, o: ReaderOptions): RecordReader {
  switch (format) {
    case 'text':
      return new TextReader(o);
    case 'ndjson':
      return new NdjsonReader(o);
    case 'json':
      return new JsonArrayReader(o);
  }
}

export function isFormatOption(s: string): s is FormatOption {
  return s === 'auto' || s === 'text' || s === 'ndjson' || s === 'json';
}
