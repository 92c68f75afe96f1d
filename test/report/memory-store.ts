// Test-only: the report's read side of the Store over plain arrays, to pin the model's arithmetic.
import type { CodeInfo, CountQuery, CountRow, SampleRow } from '../../src/store/types.js';
import type { ReportStore } from '../../src/report/types.js';

const H = 3600;

export class MemoryStore implements ReportStore {
  rows: CountRow[] = [];
  infos: CodeInfo[] = [];
  sampleRows: SampleRow[] = [];
  queries: CountQuery[] = [];

  /** Add `count` hits at an ISO instant (bucketed by the UTC hour). */
  add(vendor: string, code: number, iso: string, count = 1, source = 'app.log'): this {
    const t = Date.parse(iso) / 1000;
    const bucket = Math.floor(t / H) * H;
    const ts = new Date(t * 1000).toISOString();
    const r = this.rows.find((x) => x.bucket === bucket && x.vendor === vendor && x.code === code && x.source === source);
    if (r) {
      r.count += count;
      if (ts < r.firstSeen) r.firstSeen = ts;
      if (ts > r.lastSeen) r.lastSeen = ts;
    } else {
      this.rows.push({ bucket, vendor, code, source, host: '', count, firstSeen: ts, lastSeen: ts });
    }
    return this;
  }

  info(vendor: string, code: number, rest: Partial<CodeInfo> = {}): this {
    this.infos.push({
      vendor, code, known: true, product: vendor.toUpperCase(), name: null, message: `${vendor} error ${code}`,
      category: 'license', severity: 'error', ...rest,
    });
    return this;
  }

  private match(r: CountRow, q: Omit<CountQuery, 'from' | 'to'>): boolean {
    return (!q.vendor?.length || q.vendor.includes(r.vendor)) && (!q.source?.length || q.source.includes(r.source)) &&
      (!q.host?.length || q.host.includes(r.host));
  }

  async counts(q: CountQuery): Promise<CountRow[]> {
    this.queries.push(q);
    return this.rows.filter((r) => r.bucket >= q.from && r.bucket < q.to && this.match(r, q)).map((r) => ({ ...r }));
  }

  async firstLastSeen(q: Omit<CountQuery, 'from' | 'to'>) {
    const m = new Map<string, { vendor: string; code: number; firstSeen: string; lastSeen: string }>();
    for (const r of this.rows) {
      if (!this.match(r, q)) continue;
      const k = `${r.vendor}:${r.code}`;
      const e = m.get(k);
      if (!e) m.set(k, { vendor: r.vendor, code: r.code, firstSeen: r.firstSeen, lastSeen: r.lastSeen });
      else {
        if (r.firstSeen < e.firstSeen) e.firstSeen = r.firstSeen;
        if (r.lastSeen > e.lastSeen) e.lastSeen = r.lastSeen;
      }
    }
    return [...m.values()];
  }

  async codeInfo(): Promise<CodeInfo[]> {
    const known = new Set(this.infos.map((i) => `${i.vendor}:${i.code}`));
    const unknown = [...new Map(this.rows.map((r) => [`${r.vendor}:${r.code}`, r])).values()]
      .filter((r) => !known.has(`${r.vendor}:${r.code}`))
      .map((r): CodeInfo => ({ vendor: r.vendor, code: r.code, known: false, product: null, name: null, message: null, category: null, severity: null }));
    return [...this.infos, ...unknown];
  }

  async samples(vendor: string, code: number, limit: number): Promise<SampleRow[]> {
    return this.sampleRows.filter((s) => s.vendor === vendor && s.code === code).slice(0, limit);
  }
}

/** Unix seconds of an ISO instant. */
export const at = (iso: string): number => Date.parse(iso) / 1000;
