// In-test stand-ins: an enrich function, and a store-like sink that commits events only together with
// the checkpoint that covers them (as the real StoreSink does), so exactly-once can be checked.
import type { ErrorEvent, Hit } from '../../src/types.js';
import type { Checkpoint, CheckpointReader, RunInfo, Sink, SourceIdentity } from '../../src/pipeline/types.js';
import type { EnrichFn } from '../../src/pipeline/index.js';
import type { CatalogSet } from '../../src/catalog/index.js';

export const fakeEnrich: EnrichFn = (hit: Hit, ctx) => ({
  vendor: hit.vendor,
  product: 'Fake',
  code: hit.code,
  known: hit.code !== -9999,
  name: null,
  message: hit.code === -9999 ? null : `code ${hit.code}`,
  category: null,
  severity: hit.code === -9999 ? null : 'error',
  ...ctx,
});

export const noCatalogs = { vendors: [] } as unknown as CatalogSet;

function key(id: SourceIdentity): string {
  return id.dev !== undefined && id.ino !== undefined ? `file:${id.dev}:${id.ino}` : id.path !== undefined ? `path:${id.path}` : `label:${id.source}`;
}

export interface Committed {
  checkpoints: Map<string, Checkpoint>;
  events: ErrorEvent[];
}

/** Commits on flush; what is not covered by a checkpoint is lost at close, like a crash would lose it. */
export class FakeStore implements Sink, CheckpointReader {
  readonly committed: Committed;
  readonly replays: ErrorEvent[] = [];
  readonly allCheckpoints: Checkpoint[] = [];
  private open = new Map<string, ErrorEvent[]>();
  private sealed: ErrorEvent[] = [];
  private sealedCps = new Map<string, Checkpoint>();
  closedWith: RunInfo | undefined;

  constructor(from?: Committed) {
    this.committed = { checkpoints: new Map(from?.checkpoints ?? []), events: [...(from?.events ?? [])] };
  }

  lookup(id: SourceIdentity): Checkpoint | undefined {
    return this.committed.checkpoints.get(key(id));
  }

  event(e: ErrorEvent): void {
    const list = this.open.get(e.source) ?? [];
    list.push(e);
    this.open.set(e.source, list);
  }

  replayed(e: ErrorEvent): void {
    this.replays.push(e);
  }

  checkpoint(cp: Checkpoint): void {
    this.allCheckpoints.push({ ...cp });
    this.sealed.push(...(this.open.get(cp.source) ?? []));
    this.open.delete(cp.source);
    this.sealedCps.set(key(cp), { ...cp });
  }

  async flush(): Promise<void> {
    this.committed.events.push(...this.sealed);
    for (const [k, cp] of this.sealedCps) this.committed.checkpoints.set(k, cp);
    this.sealed = [];
    this.sealedCps = new Map();
  }

  async close(info: RunInfo): Promise<void> {
    this.closedWith = info;
    await this.flush();
  }

  /** A copy of what is committed now: what a restart after a crash would find. */
  snapshot(): Committed {
    return { checkpoints: new Map(this.committed.checkpoints), events: [...this.committed.events] };
  }
}

/** A sink that just records what it gets. */
export class ListSink implements Sink {
  events: ErrorEvent[] = [];
  replays: ErrorEvent[] = [];
  checkpoints: Checkpoint[] = [];
  info: RunInfo | undefined;
  event(e: ErrorEvent): void {
    this.events.push(e);
  }
  replayed(e: ErrorEvent): void {
    this.replays.push(e);
  }
  checkpoint(cp: Checkpoint): void {
    this.checkpoints.push({ ...cp });
  }
  async flush(): Promise<void> {}
  async close(info: RunInfo): Promise<void> {
    this.info = info;
  }
}
