// A store-backed Sink: pre-aggregates events in memory by hour bucket × vendor × code × source, and
// commits them with the checkpoints that cover them, one transaction per batch. Writes scale with
// distinct keys, not hits.
//
// Exactly-once: events of a source stay "open" until a checkpoint of that source arrives; only then are
// they "sealed" and eligible for a commit, in the same batch as that checkpoint. A crash loses the open
// and the not-yet-committed sealed events, and the committed checkpoint makes the next run re-read
// exactly those.
import type { CatalogEntry, ErrorEvent, VendorCatalog } from '../types.js';
import type { Checkpoint, CheckpointReader, RunInfo, Sink } from '../pipeline/types.js';
import type { Batch, CodeInfo, CountRow, SampleRow, Store } from '../store/types.js';
import { sourceKey } from '../store/rows.js';

export interface StoreSinkOptions {
  /** Host recorded in count rows; default the store's host (`--host`), else ''. */
  host?: string;
  /** Commit as soon as this many distinct keys are sealed; default $ERRSCAN_BATCH_KEYS, else 5000. */
  maxKeys?: number;
  /** Commit what is sealed every this many ms while streaming; default 500; 0 turns the timer off. */
  flushMs?: number;
  /** Samples kept in memory per vendor:code (the newest by timestamp); default 5. */
  samplesPerCode?: number;
}

export interface StoreSinkStats {
  /** Events received. */
  events: number;
  /** Events committed to the store. */
  committed: number;
  /** Transactions committed. */
  batches: number;
  /** Count rows written (distinct keys per batch, summed). */
  rows: number;
  /** Events left uncommitted at close because no checkpoint covered them (they will be re-read). */
  uncovered: number;
}

const HOUR = 3600;

/** Distinct keys per batch: $ERRSCAN_BATCH_KEYS (tests use small values to commit often), else 5000. */
function batchKeysFromEnv(): number {
  const n = Number(process.env.ERRSCAN_BATCH_KEYS);
  return Number.isInteger(n) && n > 0 ? n : 5000;
}

/** Hour bucket (unix seconds) and a canonical UTC ISO timestamp for an event time. */
export function bucketOf(ts: string): { bucket: number; iso: string } {
  let ms = Date.parse(ts);
  if (Number.isNaN(ms)) ms = Date.now();
  const iso = ts.length === 24 && ts[10] === 'T' && ts[23] === 'Z' ? ts : new Date(ms).toISOString();
  return { bucket: Math.floor(ms / 1000 / HOUR) * HOUR, iso };
}

class Pending {
  counts = new Map<string, CountRow>();
  samples = new Map<string, SampleRow[]>();
  events = 0;

  get empty(): boolean {
    return this.events === 0;
  }
}

function addSample(map: Map<string, SampleRow[]>, key: string, s: SampleRow, keep: number): void {
  let list = map.get(key);
  if (!list) map.set(key, (list = []));
  // Newest first; a tie goes to the later arrival.
  let i = 0;
  while (i < list.length && list[i]!.ts > s.ts) i++;
  if (i >= keep) return;
  list.splice(i, 0, s);
  if (list.length > keep) list.length = keep;
}

export class StoreSink implements Sink {
  readonly stats: StoreSinkStats = { events: 0, committed: 0, batches: 0, rows: 0, uncovered: 0 };
  private readonly host: string;
  private readonly maxKeys: number;
  private readonly flushMs: number;
  private readonly keep: number;
  private readonly open = new Map<string, Pending>();
  private sealed = new Pending();
  private sealedCheckpoints = new Map<string, Checkpoint>();
  private pendingCodes: CodeInfo[] = [];
  private readonly seenCodes = new Set<string>();
  /** Labels whose checkpoints carry a file identity, so a later run resumes them from the store. */
  private readonly resumable = new Set<string>();
  private chain: Promise<void> = Promise.resolve();
  private failure: unknown;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private lastHourPrefix = '';
  private lastBucket = 0;

  constructor(
    private readonly store: Store,
    opts: StoreSinkOptions = {},
  ) {
    this.host = opts.host ?? store.host ?? '';
    this.maxKeys = Math.max(1, opts.maxKeys ?? batchKeysFromEnv());
    this.flushMs = opts.flushMs ?? 500;
    this.keep = Math.max(1, opts.samplesPerCode ?? 5);
  }

  private startTimer(): void {
    if (this.timer || this.flushMs <= 0 || this.closed) return;
    this.timer = setInterval(() => {
      if (!this.sealed.empty || this.sealedCheckpoints.size > 0) this.startFlush();
    }, this.flushMs);
    this.timer.unref();
  }

  private bucket(ts: string): { bucket: number; iso: string } {
    // Fast path for canonical ISO times: same hour prefix, same bucket.
    if (ts.length === 24 && ts[10] === 'T' && ts[23] === 'Z') {
      const prefix = ts.slice(0, 13);
      if (prefix !== this.lastHourPrefix) {
        const ms = Date.parse(`${prefix}:00:00.000Z`);
        if (Number.isNaN(ms)) return bucketOf(ts);
        this.lastHourPrefix = prefix;
        this.lastBucket = ms / 1000;
      }
      return { bucket: this.lastBucket, iso: ts };
    }
    return bucketOf(ts);
  }

  event(e: ErrorEvent): void {
    if (this.closed) throw new Error('StoreSink.event after close');
    this.startTimer();
    this.stats.events++;
    const { bucket, iso } = this.bucket(e.ts);
    let p = this.open.get(e.source);
    if (!p) this.open.set(e.source, (p = new Pending()));
    p.events++;
    const key = `${bucket}\t${e.vendor}\t${e.code}\t${e.source}`;
    const row = p.counts.get(key);
    if (row) {
      row.count++;
      if (iso < row.firstSeen) row.firstSeen = iso;
      if (iso > row.lastSeen) row.lastSeen = iso;
    } else {
      p.counts.set(key, { bucket, vendor: e.vendor, code: e.code, source: e.source, host: this.host, count: 1, firstSeen: iso, lastSeen: iso });
    }
    const vc = `${e.vendor}\t${e.code}`;
    addSample(p.samples, vc, { vendor: e.vendor, code: e.code, ts: iso, source: e.source, host: this.host, line: e.line, text: e.text }, this.keep);
    if (!this.seenCodes.has(vc)) {
      this.seenCodes.add(vc);
      this.pendingCodes.push({
        vendor: e.vendor,
        code: e.code,
        known: e.known,
        product: e.product,
        name: e.name,
        message: e.message,
        category: e.category,
        severity: e.severity,
      });
    }
  }

  private seal(p: Pending): void {
    const into = this.sealed;
    for (const [k, r] of p.counts) {
      const have = into.counts.get(k);
      if (have) {
        have.count += r.count;
        if (r.firstSeen < have.firstSeen) have.firstSeen = r.firstSeen;
        if (r.lastSeen > have.lastSeen) have.lastSeen = r.lastSeen;
      } else {
        into.counts.set(k, r);
      }
    }
    // Oldest first, so each merged sample lands where it would have on arrival.
    for (const [vc, list] of p.samples) for (let i = list.length - 1; i >= 0; i--) addSample(into.samples, vc, list[i]!, this.keep);
    into.events += p.events;
  }

  checkpoint(cp: Checkpoint): void {
    if (this.closed) throw new Error('StoreSink.checkpoint after close');
    this.startTimer();
    const p = this.open.get(cp.source);
    if (p) {
      this.seal(p);
      this.open.delete(cp.source);
    }
    if (cp.path !== undefined || cp.dev !== undefined) this.resumable.add(cp.source);
    this.sealedCheckpoints.set(sourceKey(cp), { ...cp });
    if (this.sealed.counts.size >= this.maxKeys) this.startFlush();
  }

  /** Hands what is sealed to the store as one batch, after any batch already on its way. */
  private startFlush(): void {
    if (this.failure !== undefined) return;
    const sealed = this.sealed;
    if (sealed.empty && this.sealedCheckpoints.size === 0 && this.pendingCodes.length === 0) return;
    const samples: SampleRow[] = [];
    // Oldest first, so ties on time keep arrival order in the store's ids.
    for (const list of sealed.samples.values()) for (let i = list.length - 1; i >= 0; i--) samples.push(list[i]!);
    const batch: Batch = {
      counts: [...sealed.counts.values()],
      samples,
      checkpoints: [...this.sealedCheckpoints.values()],
      codes: this.pendingCodes,
    };
    const events = sealed.events;
    this.sealed = new Pending();
    this.sealedCheckpoints = new Map();
    this.pendingCodes = [];
    this.chain = this.chain.then(async () => {
      if (this.failure !== undefined) return;
      try {
        await this.store.writeBatch(batch);
        this.stats.batches++;
        this.stats.rows += batch.counts.length;
        this.stats.committed += events;
      } catch (e) {
        // Nothing after a failed batch may commit: a later checkpoint would skip its events.
        this.failure = e;
      }
    });
  }

  async flush(): Promise<void> {
    this.startFlush();
    await this.chain;
    if (this.failure !== undefined) throw this.failure;
  }

  async close(_info: RunInfo): Promise<void> {
    if (this.closed) {
      await this.chain;
      return;
    }
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const [label, p] of this.open) {
      // A source that can be resumed will re-read its uncovered tail from the committed checkpoint;
      // one that cannot (stdin, no checkpoint at all) has nothing to re-read, so commit it now.
      if (this.resumable.has(label)) this.stats.uncovered += p.events;
      else this.seal(p);
    }
    this.open.clear();
    await this.flush();
  }
}

export function createStoreSink(store: Store, opts: StoreSinkOptions = {}): StoreSink {
  return new StoreSink(store, opts);
}

/** The catalog snapshot a store keeps: every entry, and each vendor's product name. */
export function catalogSnapshot(vendors: readonly VendorCatalog[]): { entries: CatalogEntry[]; products: Record<string, string> } {
  return {
    entries: vendors.flatMap((v) => v.entries),
    products: Object.fromEntries(vendors.map((v) => [v.vendor, v.product])),
  };
}

/** Resume and skip decisions from the store's committed checkpoints. */
export function storeCheckpoints(store: Store): CheckpointReader {
  return { lookup: (id) => store.checkpoint(id) };
}

export interface Recorder {
  store: Store;
  sink: StoreSink;
  checkpoints: CheckpointReader;
  runId: number;
  /** Record the run's counters and status, and close the store (the sink must be closed first, by the pipeline). */
  finish(info: RunInfo, status: 'ok' | 'failed' | 'interrupted'): Promise<void>;
}

/**
 * Everything a command needs to record into a store: the catalog snapshot synced, a run begun, a sink for
 * the pipeline and a checkpoint reader for resume/skip. `scan` and `ingest` both use this.
 */
export async function openRecorder(
  store: Store,
  command: string,
  vendors: readonly VendorCatalog[],
  opts: StoreSinkOptions = {},
): Promise<Recorder> {
  const snap = catalogSnapshot(vendors);
  await store.syncCatalog(snap.entries, snap.products);
  const runId = await store.beginRun(command);
  return {
    store,
    sink: new StoreSink(store, opts),
    checkpoints: storeCheckpoints(store),
    runId,
    async finish(info, status) {
      try {
        await store.finishRun(runId, info, status);
      } finally {
        await store.close();
      }
    },
  };
}
