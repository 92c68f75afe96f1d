#!/usr/bin/env node
// Fleet benchmark: N writer processes ("hosts") commit into one PostgreSQL database at once.
//
//   npm run build && node bench/fleet.mjs                       # 8 writers for 10 s, a durable throwaway cluster
//   node bench/fleet.mjs --writers 8 --seconds 10 --events 2000 --keys 400
//   node bench/fleet.mjs --ingest 4                             # also: 8 concurrent `errscan ingest` of 4 MB genlog files
//   node bench/fleet.mjs --db postgres://user@dbhost/errscan    # an existing server (it writes into that database!)
//
// Each writer is its own process with its own connection pool, feeding the StoreSink (the same path as
// `errscan scan` and `ingest`) batches of --events hits over --keys distinct hour×code keys, each batch
// committed with its checkpoint, as fast as it can. All writers share the same buckets and codes, so their
// upserts contend for the same rows (the worst case: one noisy error across the fleet). At the end the
// database's totals must equal what the writers sent, exactly; the script exits 1 otherwise.
// Without --db it starts scripts/pg-test-cluster.sh with PG_DURABLE=1 (fsync and synchronous commit on).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = Object.fromEntries(
  process.argv.slice(2).reduce((a, v, i, arr) => (v.startsWith('--') ? [...a, [v.slice(2), arr[i + 1]?.startsWith('--') ? 'true' : arr[i + 1]]] : a), []),
);

if (args.child !== undefined) await child();
else await main();

async function child() {
  const { openStore } = await import(path.join(ROOT, 'dist/store/index.js'));
  const { StoreSink } = await import(path.join(ROOT, 'dist/aggregate/index.js'));
  const host = args.child;
  const events = Number(args.events);
  const keys = Number(args.keys);
  const store = await openStore(args.db, { host });
  const sink = new StoreSink(store, { flushMs: 0, maxKeys: 1e9 });
  const codes = Array.from({ length: Math.max(1, Math.ceil(keys / 24)) }, (_, i) => -2000 - i);
  const day = Date.UTC(2026, 10, 21);
  // Wait for the common start, so every writer runs over the same window.
  await new Promise((r) => setTimeout(r, Math.max(0, Number(args.start) - Date.now())));
  const t0 = Date.now();
  const end = t0 + Number(args.seconds) * 1000;
  let sent = 0;
  let batches = 0;
  let line = 0;
  while (Date.now() < end) {
    for (let i = 0; i < events; i++) {
      const k = (line + i) % keys;
      const ts = new Date(day + (k % 24) * 3600_000 + (i % 3600) * 1000).toISOString();
      sink.event({ vendor: 'dwt', product: 'Dynamic Web TWAIN', code: codes[Math.floor(k / 24) % codes.length], known: false, name: null, message: null,
        category: null, severity: null, ts, source: `${host}.log`, line: line + i + 1, text: `ErrorCode=${codes[0]}` });
    }
    line += events;
    sent += events;
    sink.checkpoint({ source: `${host}.log`, path: `/var/log/${host}.log`, offset: line * 100, lines: line });
    await sink.flush();
    batches++;
  }
  const elapsed = (Date.now() - t0) / 1000;
  await sink.close({ bytes: 0, lines: 0, hits: 0, unknown: 0, skipped: 0, oversized: 0, errors: 0 });
  const stats = store.stats;
  await store.close();
  process.stdout.write(`${JSON.stringify({ host, sent, batches, elapsed, retries: stats.retries, replayed: stats.replayed })}\n`);
}

function run(cmd, argv, env = {}) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${path.basename(argv[0] ?? cmd)} exited ${code}`))));
  });
}

async function query(url, sql) {
  const { default: pg } = await import('pg');
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql)).rows;
  } finally {
    await c.end();
  }
}

async function main() {
  if (!fs.existsSync(path.join(ROOT, 'dist/store/postgres.js'))) throw new Error('run `npm run build` first');
  const writers = Number(args.writers ?? 8);
  const seconds = Number(args.seconds ?? 10);
  const events = Number(args.events ?? 2000);
  const keys = Number(args.keys ?? 400);
  let base = args.db;
  let clusterDir;
  if (!base) {
    const out = execFileSync('bash', [path.join(ROOT, 'scripts/pg-test-cluster.sh'), 'start', '--watch-pid', String(process.pid)], {
      encoding: 'utf8',
      env: { ...process.env, PG_DURABLE: '1' },
    });
    base = /ERRSCAN_TEST_PG=(\S+)/.exec(out)[1];
    clusterDir = /ERRSCAN_TEST_PG_DIR=(\S+)/.exec(out)[1];
  }
  // A schema of its own, so an existing database's errscan tables are left alone.
  const schema = `fleet_bench_${process.pid}`;
  await query(base, `CREATE SCHEMA ${schema}`);
  const u = new URL(base);
  u.searchParams.set('options', `-c search_path=${schema}`);
  const db = u.toString();
  let ok = true;
  try {
    const settings = await query(db, "SELECT current_setting('server_version') AS v, current_setting('fsync') AS f, current_setting('synchronous_commit') AS s");
    console.log(`PostgreSQL ${settings[0].v} (fsync ${settings[0].f}, synchronous_commit ${settings[0].s}), node ${process.version}, ${os.cpus().length} cores`);
    // Create the schema once, before the writers race.
    const { openStore } = await import(path.join(ROOT, 'dist/store/index.js'));
    await (await openStore(db)).close();

    const start = Date.now() + 1500;
    const outs = await Promise.all(
      Array.from({ length: writers }, (_, i) =>
        run(process.execPath, [fileURLToPath(import.meta.url), '--child', `w${i + 1}`, '--db', db, '--events', String(events), '--keys', String(keys), '--seconds', String(seconds), '--start', String(start)]),
      ),
    );
    const results = outs.map((o) => JSON.parse(o.trim()));
    const sent = results.reduce((n, r) => n + r.sent, 0);
    const batches = results.reduce((n, r) => n + r.batches, 0);
    const wall = Math.max(...results.map((r) => r.elapsed));
    const retries = {};
    for (const r of results) for (const [k, n] of Object.entries(r.retries)) retries[k] = (retries[k] ?? 0) + n;
    const stored = Number((await query(db, 'SELECT coalesce(sum(count), 0) AS n FROM counts'))[0].n);
    const perHost = await query(db, "SELECT host, sum(count)::bigint AS n FROM counts GROUP BY host");
    const hostOk = results.every((r) => Number(perHost.find((h) => h.host === r.host)?.n ?? 0) === r.sent);
    ok &&= stored === sent && hostOk;
    console.log(
      `writers ${writers} × ${seconds} s, ${events} hits over ${keys} keys per batch: ` +
        `${Math.round(sent / wall).toLocaleString('en')} hits/s sustained, ${Math.round(batches / wall)} batches/s, ` +
        `${Math.round((batches * Math.min(events, keys)) / wall).toLocaleString('en')} row upserts/s; ` +
        `totals ${stored === sent && hostOk ? 'exact' : 'WRONG'} (${stored} stored, ${sent} sent); retries ${JSON.stringify(retries)}`,
    );

    if (args.ingest !== undefined) {
      const mb = Number(args.ingest === 'true' ? 4 : args.ingest);
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'errscan-fleet-bench-'));
      try {
        const files = [];
        const want = {};
        for (let i = 1; i <= writers; i++) {
          const f = path.join(tmp, `h${i}.log`);
          const g = spawnSync(process.execPath, [path.join(ROOT, 'bench/genlog.mjs'), '--mb', String(mb), '--seed', String(i), '--rate', '0.1'], { maxBuffer: 1 << 30 });
          fs.writeFileSync(f, g.stdout);
          files.push(f);
          const counts = JSON.parse(String(g.stderr).trim().split('\n').at(-1)).counts;
          for (const [k, n] of Object.entries(counts)) want[k] = (want[k] ?? 0) + n;
        }
        const u2 = new URL(base);
        const schema2 = `${schema}_ingest`;
        await query(base, `CREATE SCHEMA ${schema2}`);
        u2.searchParams.set('options', `-c search_path=${schema2}`);
        const db2 = u2.toString();
        await (await openStore(db2)).close();
        const t0 = Date.now();
        await Promise.all(files.map((f, i) => run(process.execPath, [path.join(ROOT, 'dist/bin/errscan.js'), 'ingest', f, '--db', db2, '--host', `h${i + 1}`, '--quiet'])));
        const secs = (Date.now() - t0) / 1000;
        const got = Object.fromEntries((await query(db2, "SELECT vendor || ':' || code AS k, sum(count)::bigint AS n FROM counts GROUP BY 1")).map((r) => [r.k, Number(r.n)]));
        const hits = Object.values(want).reduce((a, b) => a + b, 0);
        const exact = Object.keys(want).length === Object.keys(got).length && Object.entries(want).every(([k, n]) => got[k] === n);
        ok &&= exact;
        console.log(
          `ingest: ${writers} concurrent \`errscan ingest --host hN\` of ${mb} MB genlog files (rate 0.1): ${secs.toFixed(1)} s, ` +
            `${Math.round(hits / secs).toLocaleString('en')} hits/s, ${((writers * mb) / secs).toFixed(1)} MB/s; totals ${exact ? 'exact' : 'WRONG'} (${hits} hits)`,
        );
        await query(base, `DROP SCHEMA ${schema2} CASCADE`);
      } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
      }
    }
  } finally {
    await query(base, `DROP SCHEMA ${schema} CASCADE`).catch(() => {});
    if (clusterDir) execFileSync('bash', [path.join(ROOT, 'scripts/pg-test-cluster.sh'), 'stop', clusterDir]);
  }
  process.exitCode = ok ? 0 : 1;
}
