// Records from content bytes: text lines (fast path), JSON lines, and streamed JSON arrays.
export type { Extractor, Format, FormatOption, ReaderOptions, ReaderStart, RecordHit, RecordReader } from './types.js';
export { FORMATS } from './types.js';
export { LineReader, contentEnd } from './lines.js';
export { TextReader, latin1Safe } from './text.js';
export { NdjsonReader } from './ndjson.js';
export { JsonArrayReader } from './jsonarray.js';
export { SNIFF_BYTES, createReader, detectFormat, isFormatOption } from './detect.js';
