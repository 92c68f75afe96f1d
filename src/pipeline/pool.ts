// The reading threads of a parallel ingest. They take ~100 ms to start and load their modules, so the CLI
// may start them before it loads anything else (prestartWorkers); ParallelIngest then adopts them. This
// module imports nothing but Node's own modules, to keep that early start early.
import fs from 'node:fs';
import v8 from 'node:v8';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';

const YOUNG_MB = 6;
const OLD_MB = 48;

/**
 * Heap limits, for a process budget of 150 MB: a small young generation (little survives a line; a hit
 * line's regex matches are most of what a thread allocates), and an old generation cap, without which V8 put
 * off full collections and each range's garbage piled up (a 2 GB file: +35 MB). 6 MB young rather than 3:
 * half the scavenges, 2-5% less CPU for a 512 MB genlog ingest in three of four sets of alternating runs
 * (the fourth even), for ~8 MB more peak RSS (129 MB at 2 GB). A worker that still runs out dies, and the
 * main thread reads its ranges.
 */
export function spawnRangeWorker(prepare?: WorkerPrepare, plan: PlanPorts = {}): Worker {
  syncOptimization();
  return new Worker(workerFile(), {
    resourceLimits: { maxYoungGenerationSizeMb: YOUNG_MB, maxOldGenerationSizeMb: OLD_MB },
    workerData: { prepare, ...plan } satisfies RangeWorkerData,
    transferList: [...(plan.planTo ?? []), ...(plan.planFrom ? [plan.planFrom] : [])],
  });
}

/**
 * Threads started together plan their scanner once: the first plans on the file's head and posts the plan
 * to the others (`planTo`), which wait for it on their end (`planFrom`) and take it (LiteralScanner.adoptPlan)
 * instead of planning again (~20 ms of CPU on 2 cores the main thread needs too). A port keeps what is
 * posted before its thread listens; if the first thread closes its ports without a plan (or dies), the
 * others plan on their own.
 */
export interface PlanPorts {
  planTo?: MessagePort[];
  planFrom?: MessagePort;
}

/**
 * What a thread started before the CLI may do while it waits for `init`: read the shipped catalogs itself
 * (not validated), compile them, and plan its scanner on the head of `file`. If `init` then brings the same
 * catalogs, reading starts without that work (compiling them and planning the scanner: 40-70 ms a thread on
 * 2 busy cores); if not ($ERRSCAN_CATALOGS, or files that fail validation), it is dropped. A run that finds
 * its file unchanged pays ~25 ms for it.
 */
export interface WorkerPrepare {
  file: string;
}

export interface RangeWorkerData extends PlanPorts {
  prepare: WorkerPrepare | undefined;
}

let worker: URL | undefined;

/**
 * The shipped bundle's reading thread, range-worker.cjs (rolldown.config.mjs: CommonJS, it starts ~6 ms
 * sooner); beside tsc's modules, range-worker.js.
 */
function workerFile(): URL {
  if (worker === undefined) {
    const cjs = new URL('./range-worker.cjs', import.meta.url);
    worker = fs.existsSync(cjs) ? cjs : new URL('./range-worker.js', import.meta.url);
  }
  return worker;
}

let syncSet = false;

/**
 * Reading threads optimise their hot code on their own thread, not on V8's background threads. Those run
 * on the same cores, which the reading threads (and the main thread) keep busy: optimised code came late,
 * and the first ranges ran slowly. Measured on 2 cores, 512 MB genlog ingest: 1.21 → 1.11 s and 2.15 →
 * 1.99 s of CPU (mean of 6). The flag is read when an isolate is created: this thread's is not changed.
 */
function syncOptimization(): void {
  if (syncSet) return;
  syncSet = true;
  try {
    v8.setFlagsFromString('--no-concurrent-recompilation');
  } catch {
    // A runtime that refuses the flag keeps V8's default: only slower.
  }
}

interface Early {
  worker: Worker;
  dead: boolean;
  onDead: () => void;
}

const early: Early[] = [];

/**
 * Starts `n` reading threads now. Until adopted they do not keep the process alive (a run that fails its
 * checks exits at once), and one that dies meanwhile is left out.
 */
export function prestartWorkers(n: number, prepare?: WorkerPrepare): void {
  // The first thread started here plans; those after it take its plan.
  const first = early.length;
  const channels = prepare === undefined || n - first < 2 ? [] : Array.from({ length: n - first - 1 }, () => new MessageChannel());
  for (let i = first; i < n; i++) {
    let worker: Worker;
    try {
      const plan: PlanPorts = channels.length === 0 ? {} : i === first ? { planTo: channels.map((c) => c.port1) } : { planFrom: channels[i - first - 1]!.port2 };
      worker = spawnRangeWorker(prepare, plan);
    } catch {
      return;
    }
    const e: Early = { worker, dead: false, onDead: () => (e.dead = true) };
    worker.on('error', e.onDead);
    worker.on('exit', e.onDead);
    worker.unref();
    early.push(e);
  }
}

/** Up to `n` prestarted threads that are still alive, now the caller's; any others are stopped. */
export function adoptWorkers(n: number): Worker[] {
  const live = early.splice(0).filter((e) => !e.dead);
  for (const e of live.slice(0, n)) {
    e.worker.off('error', e.onDead);
    e.worker.off('exit', e.onDead);
  }
  // Stopped with their listeners kept: an error already on its way is still handled.
  for (const e of live.slice(n)) void e.worker.terminate().catch(() => undefined);
  return live.slice(0, n).map((e) => {
    e.worker.ref();
    return e.worker;
  });
}
