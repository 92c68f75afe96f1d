// A worker thread of a parallel ingest (parallel.ts): reads the byte ranges the main thread hands it and
// posts back their tallies. It loads only what reading needs (no CLI, no database), and takes the already
// validated catalogs from the main thread (`init`) instead of reading and validating the files again; it
// can be started before they are loaded, so its start-up overlaps the main thread's.
import type { FileHandle } from 'node:fs/promises';
import fsp from 'node:fs/promises';
import { parentPort } from 'node:worker_threads';
import { catalogSet } from '../catalog/set.js';
import { compileExtractor } from '../extract/index.js';
import { TimeParser } from '../time/parse.js';
import type { VendorCatalog } from '../types.js';
import { readRange, type RangeContext, type RangeTask } from './ranges.js';

export interface WorkerInit {
  vendors: VendorCatalog[];
  tz: string;
  maxLine: number;
  chunkSize: number;
  samplesPerCode: number;
  maxRows: number;
}

/** Main → worker. `init` comes first (the worker may be started before the catalogs are loaded). */
export type ToWorker = { type: 'init'; init: WorkerInit } | { type: 'range'; path: string; task: RangeTask } | { type: 'close'; path: string };

/** Worker → main. */
export type FromWorker =
  | { type: 'ready' }
  | { type: 'result'; path: string; result: import('./ranges.js').RangeResult }
  | { type: 'error'; path: string; index: number; message: string; code?: string };

const port = parentPort;
if (port) {
  let ctx: RangeContext | undefined;
  const open = new Map<string, Promise<FileHandle>>();
  // Ranges queue up (the main thread sends the next before this one is done) and are read one at a time,
  // each answered in order; a file is closed in its turn, after the ranges sent before.
  const queue: Array<Exclude<ToWorker, { type: 'init' }>> = [];
  let running = false;
  const pump = async (): Promise<void> => {
    if (running) return;
    running = true;
    for (let m = queue.shift(); m !== undefined; m = queue.shift()) {
      if (m.type === 'close') {
        const fh = open.get(m.path);
        open.delete(m.path);
        await fh?.then((h) => h.close()).catch(() => undefined);
        continue;
      }
      try {
        let fh = open.get(m.path);
        if (fh === undefined) open.set(m.path, (fh = fsp.open(m.path, 'r')));
        const result = await readRange(await fh, m.task, ctx!);
        port.postMessage({ type: 'result', path: m.path, result } satisfies FromWorker, [result.counts.buffer as ArrayBuffer]);
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        const msg: FromWorker = { type: 'error', path: m.path, index: m.task.index, message: err?.message ?? String(e) };
        if (typeof err?.code === 'string') msg.code = err.code;
        port.postMessage(msg);
      }
    }
    running = false;
  };
  port.on('message', (m: ToWorker) => {
    if (m.type === 'init') {
      // A second init (other settings) replaces the first; ranges are only sent once the last one is ready.
      const catalogs = catalogSet(m.init.vendors);
      ctx = {
        extractor: compileExtractor(catalogs),
        catalogs,
        time: new TimeParser(m.init.tz),
        maxLine: m.init.maxLine,
        chunkSize: m.init.chunkSize,
        samplesPerCode: m.init.samplesPerCode,
        maxRows: m.init.maxRows,
        // One read buffer for every range: per range, 256 KB of garbage each would outlive the young generation.
        buffer: Buffer.allocUnsafe(m.init.chunkSize),
      };
      port.postMessage({ type: 'ready' } satisfies FromWorker);
      return;
    }
    queue.push(m);
    void pump();
  });
}
