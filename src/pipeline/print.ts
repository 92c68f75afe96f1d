// Printers: a Sink that writes each event as it arrives, human-readable or as NDJSON, honouring
// stdout backpressure and stopping quietly when the reader goes away (EPIPE: `errscan … | head`).
import type { ErrorEvent, Severity } from '../types.js';
import type { Checkpoint, RunInfo, Sink } from './types.js';

/** Log content and file names may carry terminal control sequences: show them, never run them. */
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

export function escapeControl(s: string): string {
  return s.replace(UNSAFE, (c) => {
    const n = c.charCodeAt(0);
    if (c === '\t') return '\\t';
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
  });
}

/**
 * Colour unless told otherwise: `--color`/`--no-color` win; else on for a TTY when NO_COLOR is unset
 * (or empty) and TERM is not `dumb`. FORCE_COLOR (non-zero) turns it on.
 */
export function useColor(flag: boolean | undefined, isTTY: boolean | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  if (flag !== undefined) return flag;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false') return true;
  return Boolean(isTTY) && env.TERM !== 'dumb';
}

const SGR: Record<Severity | 'unknown', [string, string]> = {
  critical: ['\x1b[1;31m', '\x1b[0m'],
  error: ['\x1b[31m', '\x1b[39m'],
  warning: ['\x1b[33m', '\x1b[39m'],
  info: ['\x1b[36m', '\x1b[39m'],
  unknown: ['\x1b[35m', '\x1b[39m'],
};
const DIM: [string, string] = ['\x1b[2m', '\x1b[22m'];

/** The NDJSON form (`--json`): one object per event, fields in a fixed order. */
export function eventJson(e: ErrorEvent): string {
  // The catalog half of an event repeats for every hit of a code: its JSON is made once. The result is
  // byte for byte what JSON.stringify gives for the whole object (which is the fallback).
  if (e.ts === undefined || e.source === undefined || e.line === undefined || e.text === undefined) return eventJsonSlow(e);
  const key = `${e.vendor}\t${e.code}`;
  let c = catalogPart.get(key);
  if (
    c === undefined ||
    c.e.vendor !== e.vendor ||
    c.e.product !== e.product ||
    c.e.code !== e.code ||
    c.e.known !== e.known ||
    c.e.name !== e.name ||
    c.e.message !== e.message ||
    c.e.category !== e.category ||
    c.e.severity !== e.severity
  ) {
    const part = { vendor: e.vendor, product: e.product, code: e.code, known: e.known, name: e.name, message: e.message, category: e.category, severity: e.severity };
    const json = JSON.stringify(part);
    if (json === '{}') return eventJsonSlow(e);
    if (catalogPart.size >= 4096) catalogPart.clear();
    catalogPart.set(key, (c = { e: part, json: json.slice(0, -1) }));
  }
  return `${c.json},"ts":${JSON.stringify(e.ts)},"source":${JSON.stringify(e.source)},"line":${JSON.stringify(e.line)},"text":${JSON.stringify(e.text)}}`;
}

const catalogPart = new Map<string, { e: Pick<ErrorEvent, 'vendor' | 'product' | 'code' | 'known' | 'name' | 'message' | 'category' | 'severity'>; json: string }>();

function eventJsonSlow(e: ErrorEvent): string {
  return JSON.stringify({
    vendor: e.vendor,
    product: e.product,
    code: e.code,
    known: e.known,
    name: e.name,
    message: e.message,
    category: e.category,
    severity: e.severity,
    ts: e.ts,
    source: e.source,
    line: e.line,
    text: e.text,
  });
}

/**
 * The human form, one line per event:
 * `2026-11-22 10:00:00Z  error     dwt -2326  The current product key has expired…  (app.log:12)`
 * A code with a symbolic name shows it before the message; an unknown code says so.
 */
export function eventLine(e: ErrorEvent, color: boolean): string {
  const sev = e.severity ?? 'unknown';
  const [on, off] = color ? SGR[sev] : ['', ''];
  const [dimOn, dimOff] = color ? DIM : ['', ''];
  const when = e.ts.length >= 19 ? `${e.ts.slice(0, 10)} ${e.ts.slice(11, 19)}Z` : e.ts;
  const what = e.known ? [e.name, e.message].filter((x): x is string => Boolean(x)).join(': ') : `unknown ${e.product ?? e.vendor} code`;
  return (
    `${dimOn}${when}${dimOff}  ${on}${sev.padEnd(8)}${off}  ${on}${escapeControl(e.vendor)} ${e.code}${off}  ` +
    `${escapeControl(what)}  ${dimOn}(${escapeControl(e.source)}:${e.line})${dimOff}`
  );
}

export interface PrintOptions {
  json: boolean;
  color: boolean;
  out?: NodeJS.WritableStream;
  /** Called once when the output is gone (EPIPE): the caller stops the run. */
  onClosed?: () => void;
}

/** Output is written in batches this big at most (one write per chunk of input otherwise). */
const BATCH = 64 * 1024;

export class PrintSink implements Sink {
  /** Events printed. */
  printed = 0;
  private closedOut = false;
  private drain: Promise<void> | undefined;
  private pending = '';
  private scheduled = false;
  private readonly out: NodeJS.WritableStream;

  constructor(private readonly o: PrintOptions) {
    this.out = o.out ?? process.stdout;
    this.out.on('error', (e: NodeJS.ErrnoException) => {
      if (this.closedOut) return;
      this.closedOut = true;
      this.pending = '';
      this.drain = undefined;
      // EPIPE (the reader went away) or any other write failure: stop printing and stop the run.
      if (e.code !== 'EPIPE') process.stderr.write(`errscan: cannot write the output (${e.message})\n`);
      o.onClosed?.();
    });
  }

  get closed(): boolean {
    return this.closedOut;
  }

  event(e: ErrorEvent): void {
    if (this.closedOut) return;
    this.pending += `${this.o.json ? eventJson(e) : eventLine(e, this.o.color)}\n`;
    this.printed++;
    if (this.pending.length >= BATCH) this.write();
    else if (!this.scheduled) {
      // Hits of one input chunk are found synchronously: write them together, right after.
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.write();
      });
    }
  }

  replayed(e: ErrorEvent): void {
    this.event(e);
  }

  checkpoint(_cp: Checkpoint): void {}

  private write(): void {
    if (this.pending === '' || this.closedOut) return;
    const ok = this.out.write(this.pending);
    this.pending = '';
    if (!ok && !this.drain) {
      this.drain = new Promise<void>((resolve) => {
        const done = (): void => {
          this.out.off('drain', done);
          this.out.off('close', done);
          this.drain = undefined;
          resolve();
        };
        this.out.on('drain', done);
        this.out.on('close', done);
      });
    }
  }

  ready(): Promise<void> | undefined {
    this.write();
    return this.drain;
  }

  async flush(): Promise<void> {
    this.write();
  }

  async close(_info: RunInfo): Promise<void> {
    this.write();
    if (this.drain) await this.drain;
  }
}
