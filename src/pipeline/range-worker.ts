// A worker thread of a parallel ingest (parallel.ts): reads the byte ranges the main thread hands it and
// posts back their tallies. It loads only what reading needs (no CLI, no database), and reads with the
// catalogs the main thread sends (`init`). Started before the CLI loads (prestart.ts), it meanwhile compiles
// the catalogs it finds itself and plans its scanner on the file's head: work `init` keeps if it brings the
// same catalogs.
import type { FileHandle } from 'node:fs/promises';
import fsp from 'node:fs/promises';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { catalogSet, type CatalogSet } from '../catalog/set.js';
import { compileExtractor } from '../extract/index.js';
import type { Extractor } from '../records/types.js';
import { scannerFor, type SharedPlan } from '../records/scanner.js';
import { TimeParser } from '../time/parse.js';
import type { VendorCatalog } from '../types.js';
import type { PlanPorts, RangeWorkerData, WorkerPrepare } from './pool.js';
import { readRange, type RangeContext, type RangeTask } from './ranges.js';

interface Prepared {
  /** The vendors as JSON: `init` must bring exactly these for the rest to be used. */
  json: string;
  catalogs: CatalogSet;
  extractor: Extractor;
}

/** Bytes of the file's head the scanner plans on (its own sample size caps it). */
const HEAD = 16 * 1024;

/** At most this long a thread waits for the first thread's plan (pool.ts PlanPorts), then plans on its own. */
const PLAN_WAIT_MS = 1000;

/**
 * The plan posted on `port`; undefined when the first thread posted none (null), closed its end without
 * one, or the wait is over. A port keeps a message until its thread listens, not a close: the first thread
 * says "none" in a message.
 */
function planFrom(port: MessagePort): Promise<SharedPlan | undefined> {
  return new Promise((resolve) => {
    const done = (plan: SharedPlan | null | undefined): void => {
      clearTimeout(timer);
      port.off('message', done);
      port.off('close', onClose);
      resolve(plan ?? undefined);
    };
    const onClose = (): void => done(undefined);
    const timer = setTimeout(onClose, PLAN_WAIT_MS);
    port.on('message', done);
    port.on('close', onClose);
  });
}

/**
 * Before `init`: the shipped catalogs (what a run without --catalog or $ERRSCAN_CATALOGS gets), compiled,
 * and the scanner planned on the file's head. Any failure just leaves the work to `init`.
 */
async function prepare(p: WorkerPrepare, ports: PlanPorts): Promise<Prepared | undefined> {
  let posted = false;
  try {
    // Not validated here (the validator is most of this thread's start-up): init's validated catalogs
    // must equal these for any of this to be used.
    const { unvalidatedShippedCatalogs } = await import('../catalog/files.js');
    const catalogs = catalogSet(unvalidatedShippedCatalogs());
    const json = JSON.stringify(catalogs.vendors);
    const extractor = compileExtractor(catalogs, json);
    const head = Buffer.alloc(HEAD);
    const fh = await fsp.open(p.file, 'r');
    try {
      const { bytesRead } = await fh.read(head, 0, HEAD, 0);
      const sample = head.subarray(0, bytesRead);
      const scanner = scannerFor(extractor);
      const shared = scanner !== undefined && ports.planFrom !== undefined ? await planFrom(ports.planFrom) : undefined;
      if (scanner !== undefined && !(shared !== undefined && scanner.adoptPlan(shared, sample))) {
        scanner.prepare(sample);
        const mine = scanner.sharedPlan();
        if (mine !== undefined) {
          for (const port of ports.planTo ?? []) port.postMessage(mine);
          posted = true;
        }
      }
    } finally {
      await fh.close();
    }
    return { json, catalogs, extractor };
  } catch {
    return undefined;
  } finally {
    // Those waiting for a plan that did not come (no scanner, a failure) plan on their own now.
    for (const port of ports.planTo ?? []) {
      if (!posted) port.postMessage(null);
      port.close();
    }
    ports.planFrom?.close();
  }
}

export interface WorkerInit {
  vendors: VendorCatalog[];
  tz: string;
  maxLine: number;
  chunkSize: number;
  samplesPerCode: number;
  maxRows: number;
}

/**
 * `init` as it travels: the vendors as JSON text, one string to copy (not ~80 KB of objects to clone and, in a
 * prepared thread, to serialise again for the comparison).
 */
export type WorkerInitMessage = Omit<WorkerInit, 'vendors'> & { vendorsJson: string };

/** Main → worker. `init` comes first (the worker may be started before the catalogs are loaded). */
export type ToWorker = { type: 'init'; init: WorkerInitMessage } | { type: 'range'; path: string; task: RangeTask } | { type: 'close'; path: string };

/** Worker → main. */
export type FromWorker =
  | { type: 'ready' }
  | { type: 'result'; path: string; result: import('./ranges.js').RangeResult }
  | { type: 'error'; path: string; index: number; message: string; code?: string };

const port = parentPort;
if (port) {
  let ctx: RangeContext | undefined;
  // Started right away, while the main thread loads the CLI; `init` waits for it.
  const data = workerData as RangeWorkerData | undefined;
  let prepared: Promise<Prepared | undefined> | undefined = data?.prepare ? prepare(data.prepare, data) : undefined;
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
        // Copied, not transferred: the first ArrayBuffer a thread detaches trips V8's detaching protector,
        // which throws away all of its optimised code that touches typed arrays (the whole reading path,
        // compiled again during the next range, which took ~25% more CPU). The copy is a few hundred KB.
        port.postMessage({ type: 'result', path: m.path, result } satisfies FromWorker);
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        const msg: FromWorker = { type: 'error', path: m.path, index: m.task.index, message: err?.message ?? String(e) };
        if (typeof err?.code === 'string') msg.code = err.code;
        port.postMessage(msg);
      }
    }
    running = false;
  };
  const onInit = async (init: WorkerInitMessage): Promise<void> => {
    const own = await prepared;
    prepared = undefined;
    const same = own !== undefined && init.vendorsJson === own.json;
    const catalogs = same ? own.catalogs : catalogSet(JSON.parse(init.vendorsJson) as VendorCatalog[]);
    ctx = {
      extractor: same ? own.extractor : compileExtractor(catalogs, init.vendorsJson),
      catalogs,
      time: new TimeParser(init.tz),
      maxLine: init.maxLine,
      chunkSize: init.chunkSize,
      samplesPerCode: init.samplesPerCode,
      maxRows: init.maxRows,
      // One read buffer for every range: per range, 256 KB of garbage each would outlive the young generation.
      buffer: Buffer.allocUnsafe(init.chunkSize),
    };
    port.postMessage({ type: 'ready' } satisfies FromWorker);
  };
  // Inits apply in order (a second one, with other settings, replaces the first), and a range waits for
  // every init sent before it.
  let inits: Promise<void> = Promise.resolve();
  port.on('message', (m: ToWorker) => {
    if (m.type === 'init') {
      inits = inits.then(() => onInit(m.init));
      return;
    }
    queue.push(m);
    void inits.then(pump);
  });
}
