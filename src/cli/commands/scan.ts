// `errscan scan [files..]` (and `errscan` with no command: scan stdin): print every vendor error as it
// arrives, and record it in the database unless --no-db.
import type { Argv, CommandModule } from 'yargs';
import { ErrscanError, type ErrorCode } from '../../errors.js';
import { catalogsFromArgv } from '../../catalog/index.js';
import { compileExtractor } from '../../extract/index.js';
import { openRecorder, type Recorder } from '../../aggregate/index.js';
import { openStore, resolveDbLocation } from '../../store/index.js';
import { runPipeline, type RunResult } from '../../pipeline/index.js';
import { PrintSink, useColor } from '../../pipeline/print.js';
import { summaryData, summaryJson, summaryLine } from '../../pipeline/summary.js';
import type { Sink } from '../../pipeline/types.js';
import { resolveTimeZone } from '../../time/zone.js';

interface ScanArgs {
  files?: string[];
  json?: boolean;
  follow?: boolean;
  format?: string;
  'max-line'?: string | number;
  maxLine?: string | number;
  tz?: string;
  source?: string;
  db?: string | boolean;
  color?: boolean;
  quiet?: boolean;
  catalog?: string[];
}

/** `1048576`, `64K`, `1M`, `1MiB`, `2mb` → bytes. */
export function parseSize(v: string | number | undefined): number | undefined {
  if (v === undefined) return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:([kmg])(?:i?b)?|b)?\s*$/i.exec(String(v));
  const n = m ? Number(m[1]) * (m[2] ? 1024 ** ('kmg'.indexOf(m[2].toLowerCase()) + 1) : 1) : NaN;
  if (!Number.isFinite(n) || n < 1 || !Number.isSafeInteger(Math.floor(n))) {
    throw new ErrscanError('ERRSCAN_USAGE', `--max-line must be a size in bytes such as 65536, 64K or 1M, got "${String(v)}"`);
  }
  return Math.floor(n);
}

/** Exit status from input errors: the worst one (a missing input is a usage error, 2; others 1). */
function exitFor(codes: readonly ErrorCode[]): number {
  let worst = 0;
  for (const c of codes) worst = Math.max(worst, new ErrscanError(c, '').exitCode);
  return worst;
}

export async function scan(argv: ScanArgs): Promise<number> {
  // Validate everything before reading anything.
  const maxLine = parseSize(argv.maxLine ?? argv['max-line']);
  resolveTimeZone(argv.tz);
  const catalogs = catalogsFromArgv(argv);
  const extractor = compileExtractor(catalogs);
  const ac = new AbortController();
  let signalled: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals): void => {
    // A second Ctrl-C means "now": do not wait for the flush.
    if (signalled !== undefined) process.exit(sig === 'SIGINT' ? 130 : 143);
    signalled = sig;
    ac.abort();
  };
  const printer = new PrintSink({
    json: Boolean(argv.json),
    color: useColor(argv.color, process.stdout.isTTY),
    onClosed: () => ac.abort(),
  });
  const sinks: Sink[] = [printer];
  let recorder: Recorder | undefined;
  if (argv.db !== false) {
    const store = await openStore(resolveDbLocation(argv as { db?: unknown }));
    try {
      recorder = await openRecorder(store, 'scan', catalogs.vendors);
    } catch (e) {
      await store.close();
      throw e;
    }
    sinks.push(recorder.sink);
  }
  const inputs = (argv.files ?? []).map(String);
  if (!argv.quiet && process.stdin.isTTY && (inputs.length === 0 || inputs.includes('-'))) {
    process.stderr.write('errscan: reading standard input (end with Ctrl-D; see errscan --help for files)\n');
  }
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let result: RunResult | undefined;
  try {
    result = await runPipeline(
      {
        inputs,
        ...(argv.format !== undefined ? { format: argv.format } : {}),
        follow: Boolean(argv.follow),
        ...(maxLine !== undefined ? { maxLine } : {}),
        ...(argv.tz !== undefined ? { tz: argv.tz } : {}),
        ...(argv.source !== undefined ? { source: argv.source } : {}),
        // scan prints whole files; the store only counts what is past its checkpoint.
        replay: !argv.follow,
      },
      { extractor, catalogs, sinks, ...(recorder ? { checkpoints: recorder.checkpoints } : {}), signal: ac.signal },
    );
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (recorder) await recorder.finish(result ?? zero(), result === undefined ? 'failed' : result.interrupted ? 'interrupted' : 'ok');
  }
  if (!argv.quiet) {
    const d = summaryData(result);
    process.stderr.write(`${argv.json ? summaryJson(d) : summaryLine(d)}\n`);
  }
  if (signalled === 'SIGINT') return 130;
  return exitFor(result.errorCodes);
}

function zero(): RunResult {
  return { bytes: 0, lines: 0, hits: 0, unknown: 0, skipped: 0, oversized: 0, errors: 0, elapsedMs: 0, interrupted: false, errorCodes: [], timeZone: 'UTC' };
}

function builder(y: Argv<object>): Argv<ScanArgs> {
  return y
    .positional('files', {
      type: 'string',
      array: true,
      describe: 'Files, directories (recursive) or globs; - or nothing for stdin. gzip is detected by content',
    })
    .option('json', { type: 'boolean', describe: 'Print hits as NDJSON (and the summary as JSON)' })
    .option('follow', { alias: 'F', type: 'boolean', describe: 'Keep reading files as they grow, like tail -F (rotation, truncation, new files)' })
    .option('format', { type: 'string', choices: ['auto', 'text', 'ndjson', 'json'], describe: 'Input format (default auto: from the first bytes)' })
    .option('max-line', { type: 'string', requiresArg: true, describe: 'Skip and count lines longer than this (default 1M; e.g. 64K)' })
    .option('tz', { type: 'string', requiresArg: true, describe: 'IANA zone for timestamps without one (default: local zone)' })
    .option('source', { type: 'string', requiresArg: true, describe: 'Label the events with this name (default: the file path, or stdin)' })
    .option('no-db', { type: 'boolean', describe: 'Do not record hits in the database' })
    .example('tail -F app.log | $0', 'print each vendor error as it arrives, and count it')
    .example('$0 scan --no-db --json app.log.1.gz', 'a gzip file, hits as NDJSON, nothing recorded')
    .example("$0 scan -F '/var/log/app/*.log'", 'follow every matching file, including new ones')
    .example('$0 scan --format ndjson --tz Europe/Berlin events.jsonl', 'JSON lines, zone-less times in Berlin time')
    .example('kubectl logs -f pod | $0 --source pod/web-1', 'label a stream') as unknown as Argv<ScanArgs>;
}

export const scanCommand: CommandModule<object, ScanArgs> = {
  command: ['scan [files..]', '$0'],
  describe: 'Print vendor errors in logs as they arrive and record them (the default command: stdin)',
  builder,
  handler: async (argv) => {
    process.exitCode = await scan(argv);
  },
};
