// `errscan db info|prune|vacuum`: look after the database.
import type { Argv, CommandModule } from 'yargs';
import { ErrscanError } from '../../errors.js';
import { openStore, resolveDbLocation } from '../../store/index.js';
import type { Store, StoreInfo } from '../../store/types.js';
import { oneLine } from '../../report/text.js';

interface DbArgs {
  db?: string;
  json?: boolean;
  olderThan?: string;
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 7 * 86400 };

/** `90d`, `12h`, `2w`, or a UTC date `2026-01-31` → the cut-off in unix seconds. */
export function parseOlderThan(value: string, now: number = Date.now()): number {
  const m = /^(\d+)\s*([smhdw])$/.exec(value.trim());
  if (m) return Math.floor(now / 1000) - Number(m[1]) * UNITS[m[2]!]!;
  if (/^\d{4}-\d\d-\d\d(T[\d:.]+Z?)?$/.test(value.trim())) {
    const ms = Date.parse(/T/.test(value) && !value.endsWith('Z') ? `${value}Z` : value);
    if (!Number.isNaN(ms)) return Math.floor(ms / 1000);
  }
  throw new ErrscanError('ERRSCAN_USAGE', `--older-than "${value}" is not a duration or a date`, {
    hint: 'use e.g. 90d, 12h, 2w or 2026-01-31',
  });
}

function mb(bytes: number | null): string {
  if (bytes === null) return 'n/a';
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export function infoText(info: StoreInfo): string {
  const lines = [
    `database  ${oneLine(info.location)}`,
    `size      ${mb(info.sizeBytes)}`,
    `schema    version ${info.schemaVersion}`,
    `rows      ${Object.entries(info.rows)
      .map(([t, n]) => `${t} ${n}`)
      .join(', ')}`,
    `range     ${info.firstSeen === null ? 'no hits recorded' : `${info.firstSeen} .. ${info.lastSeen}`}`,
    `sources   ${info.sources.length}`,
  ];
  for (const s of info.sources) {
    // File names come from the log side: show their control characters, never send them to the terminal.
    lines.push(`  ${oneLine(s.path ?? s.source)}  offset ${s.offset}  lines ${s.lines}  updated ${s.updatedAt}`);
  }
  return `${lines.join('\n')}\n`;
}

async function withStore<T>(argv: DbArgs, fn: (s: Store) => Promise<T>): Promise<T> {
  const store = await openStore(resolveDbLocation(argv), { mustExist: true });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

const info: CommandModule<object, DbArgs> = {
  command: 'info',
  describe: 'Path, size, schema version, row counts, date range and sources of the database',
  builder: (y: Argv<object>) =>
    y
      .option('json', { type: 'boolean', describe: 'Print the information as JSON' })
      .example('$0 db info', 'the default database')
      .example('$0 db info --db /var/lib/errscan/errscan.db --json', 'another database, as JSON') as unknown as Argv<DbArgs>,
  handler: async (argv) => {
    const i = await withStore(argv, (s) => s.info());
    process.stdout.write(argv.json ? `${JSON.stringify(i, null, 2)}\n` : infoText(i));
  },
};

const prune: CommandModule<object, DbArgs> = {
  command: 'prune',
  describe: 'Delete counts and samples older than a duration or date (checkpoints are kept)',
  builder: (y: Argv<object>) =>
    y
      .option('older-than', {
        type: 'string',
        demandOption: true,
        requiresArg: true,
        describe: 'Age (90d, 12h, 2w) or UTC date (2026-01-31); hour buckets wholly older are removed',
      })
      .option('json', { type: 'boolean', describe: 'Print {"removed": N, "before": ISO} as JSON' })
      .example('$0 db prune --older-than 90d', 'keep the last 90 days') as unknown as Argv<DbArgs>,
  handler: async (argv) => {
    const before = parseOlderThan(String(argv.olderThan));
    const removed = await withStore(argv, (s) => s.prune(before));
    const iso = new Date(before * 1000).toISOString();
    process.stdout.write(argv.json ? `${JSON.stringify({ removed, before: iso })}\n` : `removed ${removed} rows older than ${iso}\n`);
  },
};

const vacuum: CommandModule<object, DbArgs> = {
  command: 'vacuum',
  describe: 'Rebuild the database file to reclaim free space (after a prune)',
  builder: (y: Argv<object>) => y.example('$0 db vacuum', 'compact the default database') as unknown as Argv<DbArgs>,
  handler: async (argv) => {
    const [before, after, location] = await withStore(argv, async (s) => {
      const b = (await s.info()).sizeBytes;
      await s.vacuum();
      const i = await s.info();
      return [b, i.sizeBytes, i.location] as const;
    });
    process.stdout.write(`vacuumed ${location}: ${mb(before)} -> ${mb(after)}\n`);
  },
};

export const dbCommand: CommandModule<object, DbArgs> = {
  command: 'db',
  describe: 'Inspect and maintain the database (info, prune, vacuum)',
  builder: (y: Argv<object>) =>
    y
      .command(info)
      .command(prune)
      .command(vacuum)
      .demandCommand(1, 'choose a db command: info, prune or vacuum')
      .example('$0 db info', 'what is in the database')
      .example('$0 db prune --older-than 90d', 'drop counts older than 90 days')
      .example('$0 db vacuum', 'reclaim space') as unknown as Argv<DbArgs>,
  handler: () => {},
};
