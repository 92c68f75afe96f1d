#!/usr/bin/env node
// `npm run bench`: errscan against grep and wc on one generated log, with exact count checks.
// usage: node bench/run.mjs [--mb 512] [--seed 1] [--rate 0.02] [--only scan,ingest,stdin,double] [--runs 1] [--json]
//
// Each command runs under GNU time: wall seconds, CPU seconds (user + sys, all threads) and peak RSS. With
// --runs N all commands run in N rounds; each row shows the run with the median wall time and the highest
// peak RSS of its runs, and every run's counts are checked (the machine may be shared: rounds spread a slow
// spell over all rows, CPU time says more than wall time, and the load average is printed with the table).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'dist/bin/errscan.js');
const OUT = path.join(ROOT, 'bench/out');

const args = {};
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (!a.startsWith('--')) continue;
  const next = process.argv[i + 1];
  if (next === undefined || next.startsWith('--')) args[a.slice(2)] = true;
  else args[a.slice(2)] = process.argv[++i];
}
const MB = Number(args.mb ?? 512);
const SEED = Number(args.seed ?? 1);
const RATE = Number(args.rate ?? 0.02);
const RUNS = Math.max(1, Number(args.runs ?? 1));
const only = args.only ? new Set(String(args.only).split(',')) : null;
const want = (name) => !only || only.has(name);

if (!fs.existsSync(BIN)) {
  console.error('bench: dist/bin/errscan.js is missing (run npm run build first)');
  process.exit(2);
}
fs.mkdirSync(OUT, { recursive: true });
// This run's scratch files (timings, NDJSON output, the database, the doubled catalogs): two benches at once
// must not read each other's. The generated logs in OUT are shared.
const RUN = fs.mkdtempSync(path.join(OUT, 'run-'));
process.on('exit', () => fs.rmSync(RUN, { recursive: true, force: true }));

// The generator is deterministic, so a log made with the same parameters is reused.
const logFile = path.join(OUT, `genlog-${MB}mb-s${SEED}-r${RATE}.log`);
const expectFile = `${logFile}.expected.json`;
if (!fs.existsSync(logFile) || !fs.existsSync(expectFile)) {
  process.stderr.write(`bench: generating ${MB} MB log → ${path.relative(ROOT, logFile)}\n`);
  const out = fs.openSync(`${logFile}.tmp`, 'w');
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bench/genlog.mjs'), '--mb', String(MB), '--seed', String(SEED), '--rate', String(RATE)], {
    stdio: ['ignore', out, 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
  fs.closeSync(out);
  if (r.status !== 0) throw new Error(`genlog failed: ${r.stderr}`);
  const summary = String(r.stderr).trim().split('\n').at(-1);
  fs.writeFileSync(expectFile, summary);
  fs.renameSync(`${logFile}.tmp`, logFile);
}
const expected = JSON.parse(fs.readFileSync(expectFile, 'utf8'));
const bytes = fs.statSync(logFile).size;
const lines = expected.lines;

/** Runs a shell command under GNU time; returns wall and CPU seconds, peak RSS (KiB) and stdout. */
function timedOnce(cmd, { stdoutFile } = {}) {
  return new Promise((resolve, reject) => {
    const timeFile = path.join(RUN, 'time.txt');
    const redirect = stdoutFile ? ` > ${JSON.stringify(stdoutFile)}` : '';
    // %M is the peak RSS of the largest process (errscan's, not cat's or bash's).
    const full = `/usr/bin/time -f '%e %M %U %S' -o ${JSON.stringify(timeFile)} bash -c ${JSON.stringify(cmd + redirect)}`;
    const child = spawn('bash', ['-c', full], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TZ: 'UTC', NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${cmd} exited ${code}: ${stderr.slice(-2000)}`));
      const [secs, rssKiB, user, sys] = fs.readFileSync(timeFile, 'utf8').trim().split('\n').at(-1).split(' ').map(Number);
      resolve({ secs, rssKiB, cpu: user + sys, stdout, stderr });
    });
  });
}

/** Tallies NDJSON hit lines into vendor:code counts. */
function tallyNdjson(file) {
  const counts = {};
  const text = fs.readFileSync(file, 'utf8');
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    if (end > start) {
      const e = JSON.parse(text.slice(start, end));
      const k = `${e.vendor}:${e.code}`;
      counts[k] = (counts[k] ?? 0) + 1;
    }
    start = end + 1;
  }
  return counts;
}

function diffCounts(got, exp) {
  const keys = new Set([...Object.keys(got), ...Object.keys(exp)]);
  const bad = [];
  for (const k of [...keys].sort()) if ((got[k] ?? 0) !== (exp[k] ?? 0)) bad.push(`${k}: got ${got[k] ?? 0}, want ${exp[k] ?? 0}`);
  return bad;
}

const q = (s) => JSON.stringify(s);
const node = q(process.execPath);
const bin = q(BIN);
const results = [];
const load = [os.loadavg()];

// grep's pattern: the vendor anchors errscan itself keys on, as one ERE. On genlog it matches exactly the
// lines with a vendor error (QlmLicense is the QLM client's own spelling), so it does the same job as
// errscan's prefilter, minus extraction.
const GREP_RE = 'ErrorCode|ErrorString|Dynamsoft|DLS|QLM|QlmLicense|EServerErrorCode|PallyCon|pallycon|DoveRunner|DWTObject|exceptionCode';

/**
 * The commands, each with how to check one run's output (a row's `check` is 'exact' only if every run was).
 * `before` prepares a fresh start (an empty database).
 */
const jobs = [];
const countsCheck = (got) => {
  const bad = diffCounts(got, expected.counts);
  return bad.length ? `WRONG: ${bad.slice(0, 3).join('; ')}` : 'exact';
};
jobs.push({
  name: 'wc -l',
  command: 'wc -l FILE',
  cmd: `wc -l < ${q(logFile)}`,
  check: (r) => (Number(r.stdout.trim()) === lines ? 'exact' : `WRONG: lines ${r.stdout.trim()} ≠ ${lines}`),
});
jobs.push({
  name: 'grep -cE',
  command: `grep -cE '${GREP_RE}' FILE`,
  cmd: `grep -cE '${GREP_RE}' ${q(logFile)}`,
  check: (r) => {
    const n = Number(r.stdout.trim());
    return n === expected.errorLines ? 'exact (error lines)' : `${n} lines (${expected.errorLines} error lines)`;
  },
});
if (want('scan')) {
  const out = path.join(RUN, 'scan.ndjson');
  jobs.push({
    name: 'errscan scan --no-db',
    command: 'errscan scan --no-db --json FILE',
    cmd: `${node} ${bin} scan --no-db --json --quiet ${q(logFile)}`,
    stdoutFile: out,
    check: () => countsCheck(tallyNdjson(out)),
  });
}
if (want('double')) {
  // Every shipped pattern again under a new id: the same hits, twice the patterns.
  const catalogsDir = path.join(ROOT, 'catalogs');
  const doubled = path.join(RUN, 'doubled');
  fs.mkdirSync(doubled, { recursive: true });
  let patterns = 0;
  for (const f of fs.readdirSync(catalogsDir).filter((n) => n.endsWith('.json') && n !== 'schema.json')) {
    const c = JSON.parse(fs.readFileSync(path.join(catalogsDir, f), 'utf8'));
    const extra = (c.patterns ?? []).map((p) => ({ ...p, id: `${p.id}-copy` }));
    patterns += extra.length;
    fs.writeFileSync(path.join(doubled, f), JSON.stringify({ vendor: c.vendor, product: c.product, patterns: extra, entries: [] }));
  }
  const out = path.join(RUN, 'double.ndjson');
  jobs.push({
    name: `scan, patterns ×2 (+${patterns})`,
    command: 'errscan scan --no-db --json --catalog DOUBLED FILE',
    cmd: `${node} ${bin} scan --no-db --json --quiet --catalog ${q(doubled)} ${q(logFile)}`,
    stdoutFile: out,
    check: () => countsCheck(tallyNdjson(out)),
  });
}

if (want('stdin')) {
  const out = path.join(RUN, 'stdin.ndjson');
  jobs.push({
    name: 'errscan (stdin)',
    command: 'cat FILE | errscan --no-db --json',
    cmd: `cat ${q(logFile)} | ${node} ${bin} --no-db --json --quiet`,
    stdoutFile: out,
    check: () => countsCheck(tallyNdjson(out)),
  });
}
const benchDb = path.join(RUN, 'bench.db');
const removeDb = () => {
  for (const f of [benchDb, `${benchDb}-wal`, `${benchDb}-shm`]) fs.rmSync(f, { force: true });
};
if (want('ingest')) {
  const db = benchDb;
  jobs.push({
    name: 'errscan ingest',
    command: 'errscan ingest --db DB FILE',
    cmd: `${node} ${bin} ingest --db ${q(db)} --quiet ${q(logFile)}`,
    before: removeDb,
    check: async () => countsCheck(await totalsFromDb(db)),
  });
}
// Rounds: every command once per round, so a slow spell of a shared machine hits every row alike.
const runs = jobs.map(() => []);
for (let round = 0; round < RUNS; round++) {
  for (const [i, job] of jobs.entries()) {
    job.before?.();
    const r = await timedOnce(job.cmd, { stdoutFile: job.stdoutFile });
    r.check = await job.check(r);
    runs[i].push(r);
  }
}
for (const [i, job] of jobs.entries()) {
  const all = runs[i];
  const r = [...all].sort((a, b) => a.secs - b.secs)[Math.floor((all.length - 1) / 2)];
  const wrong = all.find((x) => x.check.startsWith('WRONG'));
  const check = wrong ? wrong.check : r.check;
  results.push({ name: job.name, command: job.command, secs: r.secs, cpu: r.cpu, mbps: bytes / 1048576 / r.secs, linesPerSec: lines / r.secs, rssMiB: Math.max(...all.map((x) => x.rssKiB)) / 1024, check });
}
const grep = results.find((r) => r.name === 'grep -cE');

async function totalsFromDb(db) {
  const { default: Database } = await import('better-sqlite3');
  const d = new Database(db, { readonly: true });
  const got = {};
  for (const row of d.prepare('SELECT vendor, code, SUM(count) AS n FROM counts GROUP BY vendor, code').all()) got[`${row.vendor}:${row.code}`] = row.n;
  d.close();
  return got;
}

load.push(os.loadavg());
const grepSecs = grep.secs;
const pad = (s, n) => String(s).padEnd(n);
const padL = (s, n) => String(s).padStart(n);
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const la = (l) => l.map((x) => x.toFixed(2)).join(' ');
const lines_ = [
  `input: ${path.relative(ROOT, logFile)} — ${(bytes / 1048576).toFixed(0)} MiB, ${lines.toLocaleString('en-US')} lines, ${expected.errorLines.toLocaleString('en-US')} vendor error lines (genlog --mb ${MB} --seed ${SEED} --rate ${RATE})`,
  `machine: ${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}; load average ${la(load[0])} before, ${la(load[1])} after${RUNS > 1 ? `; median of ${RUNS} rounds` : ''}`,
  '',
  `${pad('run', 32)} ${padL('secs', 6)} ${padL('cpu s', 6)} ${padL('MB/s', 6)} ${padL('lines/s', 11)} ${padL('peak RSS', 9)} ${padL('× grep', 7)}  counts`,
];
for (const r of results) {
  lines_.push(
    `${pad(r.name, 32)} ${padL(r.secs.toFixed(2), 6)} ${padL(r.cpu.toFixed(2), 6)} ${padL(r.mbps.toFixed(0), 6)} ${padL(Math.round(r.linesPerSec).toLocaleString('en-US'), 11)} ${padL(`${r.rssMiB.toFixed(0)} MB`, 9)} ${padL((r.secs / grepSecs).toFixed(2), 7)}  ${r.check}`,
  );
}
// The targets of issue #7, measured, not assumed.
const row = (name) => results.find((r) => r.name.startsWith(name));
const targets = [];
const ingest = row('errscan ingest');
if (ingest) {
  targets.push([`ingest ≥ 300 MB/s`, ingest.mbps >= 300, `${ingest.mbps.toFixed(0)} MB/s`]);
  targets.push([`ingest within 2× grep -cE`, ingest.secs <= 2 * grepSecs, `${(ingest.secs / grepSecs).toFixed(2)}×`]);
}
const stdin = row('errscan (stdin)');
if (stdin) targets.push([`stdin ≥ 150 MB/s`, stdin.mbps >= 150, `${stdin.mbps.toFixed(0)} MB/s`]);
const ours = results.filter((r) => r.name.startsWith('errscan') || r.name.startsWith('scan,'));
if (ours.length) {
  const peak = Math.max(...ours.map((r) => r.rssMiB));
  targets.push([`peak RSS ≤ 150 MB`, peak <= 150, `${peak.toFixed(0)} MB`]);
}
const scanAt = jobs.findIndex((j) => j.name.startsWith('errscan scan'));
const doubleAt = jobs.findIndex((j) => j.name.startsWith('scan, patterns'));
if (scanAt >= 0 && doubleAt >= 0) {
  // Two errscan runs compared: each round's pair (run one after the other), then the median of the rounds'
  // ratios, so a spell that slows one round's scan slows its doubled run too.
  const ratio = (key) => {
    const rs = runs[doubleAt].map((d, k) => d[key] / runs[scanAt][k][key]).sort((a, b) => a - b);
    return rs[Math.floor((rs.length - 1) / 2)];
  };
  const [w, c] = [ratio('secs'), ratio('cpu')];
  targets.push([`patterns ×2 within 20% of scan`, w <= 1.2, `${((w - 1) * 100).toFixed(0)}% (cpu ${((c - 1) * 100).toFixed(0)}%)${RUNS > 1 ? ', median of the rounds' : ''}`]);
}
lines_.push('', 'targets:');
for (const [name, ok, got] of targets) lines_.push(`  ${ok ? 'met    ' : 'MISSED '} ${pad(name, 32)} ${got}`);
console.log(lines_.join('\n'));
if (args.json) console.log(JSON.stringify({ bytes, lines, load, runs: RUNS, results, targets }, null, 2));
const wrong = results.filter((r) => r.check.startsWith('WRONG'));
process.exitCode = wrong.length ? 1 : 0;
