#!/usr/bin/env node
// Runs the built extractor over adversarial lines of (nearly) the maximum length, one at a time, and
// prints two JSON lines per line tried: {"start"} before it, {"name", "ms", "hits", "length"} after. The parent (regex-time tests)
// runs this in its own process with a watchdog, so a line that backtracks for minutes is caught as a
// timeout instead of hanging the test runner.
//
// usage: node adversarial.mjs fast|full [length]
import { loadCatalogs } from '../../dist/catalog/index.js';
import { compileExtractor } from '../../dist/extract/index.js';

const mode = process.argv[2] ?? 'fast';
// Just under the default --max-line (1 MiB): the longest line the text reader hands to extract().
const L = Number(process.argv[3] ?? 1024 * 1024 - 64);
const set = loadCatalogs();
const x = compileExtractor(set);

const CTX = 'DWT DLS QLM PallyCon Dynamsoft ServerErrorCode ';
const fill = (s, sep = ' ') => {
  const unit = s + sep;
  return unit.repeat(Math.ceil(L / unit.length)).slice(0, L);
};
const pad = (s, c = ' ') => (s.length >= L ? s.slice(0, L) : s + c.repeat(L - s.length));
const PLACEHOLDER = /XXX|\{[A-Za-z_]\w*\}/;

/** [name, line] pairs, built lazily so only one 1 MiB line lives at a time. */
function* families() {
  for (const v of set.vendors) {
    for (const p of v.patterns) {
      const samples = mode === 'full' ? p.samples : p.samples.filter((s) => s.hits.length > 0).slice(0, 1);
      for (const [i, s] of samples.entries()) {
        const id = `${v.vendor}/${p.id}/${i}`;
        yield [`${id}/repeated`, () => fill(s.line)];
        yield [`${id}/glued`, () => fill(s.line, '')];
        yield [`${id}/half+spaces`, () => pad(CTX + s.line.slice(0, Math.ceil(s.line.length / 2)))];
        yield [`${id}/long-digits`, () => pad(CTX + s.line.replace(/\d+/g, (d) => d + '9'.repeat(Math.floor(L / 8))), ' ').slice(0, L)];
        yield [`${id}/wide-spaces`, () => pad(CTX + s.line.replace(/\s+/g, ' '.repeat(Math.floor(L / 40))))];
      }
    }
    for (const e of v.entries) {
      for (const m of [e.message, ...e.alternates]) {
        const id = `${v.vendor}/message ${e.code}`;
        if (PLACEHOLDER.test(m)) {
          // The text before a placeholder, then nothing but spaces: the wildcard has a million ways to start.
          yield [`${id}/placeholder+spaces`, () => pad(`${CTX}${m.split(PLACEHOLDER)[0]}`) + 'x'];
          yield [`${id}/placeholder-repeated`, () => fill(CTX + m.split(PLACEHOLDER)[0])];
        }
        if (mode === 'full') {
          yield [`${id}/repeated`, () => fill(CTX + m)];
          yield [`${id}/last-word-missing`, () => pad(CTX + m.split(/\s+/).slice(0, -1).join(' ')) + 'x'];
        }
      }
    }
  }
  // Many distinct codes on one line: each one found must not cost a scan of all found before it.
  yield ['many-codes/dwt-range', () => {
    let s = 'DWT ';
    for (let c = 3000; s.length < L - 20; c++) s += `ErrorCode=-${c} `;
    return s;
  }];
  yield ['many-codes/dls', () => {
    let s = 'DLS ';
    for (let c = 0; s.length < L - 20; c++) s += `error -20${String(100 + (c % 52)).padStart(3, '0')} x${c} `;
    return s;
  }];
  yield ['many-codes/pallycon', () => {
    let s = 'PallyCon ';
    for (let c = 1000; s.length < L - 30; c++) s += `errorCode: ${1000 + (c % 9000)}, `;
    return s;
  }];
  for (const g of [' ', 'a', '9', '-', '-1', '"', '\\', '(', 'ErrorCode', 'ErrorCode: ', 'ErrorCode=-', 'error ', 'code: ', 'License_', 'ServerErrorCode.', 'PallyCon Error: (', 'error code (']) {
    yield [`generic/${JSON.stringify(g)}`, () => pad(CTX + fill(g, '').slice(0, L - CTX.length))];
  }
}

for (const [name, make] of families()) {
  const line = make();
  process.stdout.write(`${JSON.stringify({ start: name })}\n`);
  const t = performance.now();
  const hits = x.extract(line).length;
  const ms = Math.round(performance.now() - t);
  process.stdout.write(`${JSON.stringify({ name, ms, hits, length: line.length })}\n`);
}
