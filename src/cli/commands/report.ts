// `errscan report`: the top vendor errors of a day (or range) from the database, as a table, JSON,
// CSV, Markdown or HTML; optional alerts exit 3 after the report is printed.
import type { Argv, CommandModule } from 'yargs';
import { ErrscanError } from '../../errors.js';
import { SEVERITIES, type Severity } from '../../types.js';
import { openStore, resolveDbLocation } from '../../store/index.js';
import {
  GROUP_BYS, Zone, alertError, buildReport, checkAlerts, parseTrend, renderCsv, renderHtml, renderJson, renderMarkdown,
  renderTable, type GroupBy,
} from '../../report/index.js';

interface ReportArgs {
  db?: string;
  color?: boolean;
  day?: string;
  since?: string;
  until?: string;
  top: number;
  vendor?: string[];
  source?: string[];
  tz?: string;
  by?: GroupBy;
  trend?: string;
  json?: boolean;
  csv?: boolean;
  markdown?: boolean;
  html?: boolean;
  width?: number;
  'fail-if-total-over'?: number;
  'fail-on-new'?: boolean;
  'fail-on-spike'?: boolean;
  'fail-on-severity'?: Severity;
}

const FORMATS = ['json', 'csv', 'markdown', 'html'] as const;

function wholeNumber(flag: string, v: number | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || v < 0) {
    throw new ErrscanError('ERRSCAN_USAGE', `${flag} must be a whole number ≥ 0, got ${String(v)}`, { hint: `e.g. ${flag} 10` });
  }
  return v;
}

/** Colour: --color/--no-color, else off when NO_COLOR is set, else on for a terminal. */
export function useColor(flag: boolean | undefined, env: NodeJS.ProcessEnv = process.env, isTTY = !!process.stdout.isTTY): boolean {
  if (flag !== undefined) return flag;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return isTTY;
}

export const reportCommand: CommandModule<object, ReportArgs> = {
  command: 'report',
  describe: 'Top vendor errors of a day or a range, from the database (table, JSON, CSV, Markdown, HTML)',
  builder: (y: Argv<object>) =>
    y
      .option('day', { type: 'string', requiresArg: true, describe: 'One day: YYYY-MM-DD, today, yesterday, or an age like 3d (default: yesterday)' })
      .option('since', { type: 'string', requiresArg: true, describe: 'Start: a day as for --day, or an age like 36h, 7d, 2w' })
      .option('until', { type: 'string', requiresArg: true, describe: 'End, inclusive: a day or an age (default: now)' })
      .option('tz', { type: 'string', requiresArg: true, describe: 'IANA time zone the days follow (default: the local zone)' })
      .option('top', { type: 'number', default: 10, requiresArg: true, describe: 'Rows per ranking (0: all)' })
      .option('vendor', { type: 'string', array: true, requiresArg: true, describe: 'Only these vendors (repeatable or comma-separated)' })
      .option('source', { type: 'string', array: true, requiresArg: true, describe: 'Only these sources (as ingested; repeatable)' })
      .option('by', { choices: GROUP_BYS, describe: 'One ranking per day, vendor, source, category or host' })
      .option('trend', { type: 'string', requiresArg: true, describe: 'Add per-code daily series over N days, e.g. 7d (HTML: always, ≥ 7 days)' })
      .option('json', { type: 'boolean', describe: 'Print JSON (shape in the README)' })
      .option('csv', { type: 'boolean', describe: 'Print CSV (RFC 4180)' })
      .option('markdown', { type: 'boolean', describe: 'Print Markdown for chat or a ticket' })
      .option('html', { type: 'boolean', describe: 'Print one self-contained HTML page' })
      .option('width', { type: 'number', requiresArg: true, describe: 'Table width (default: the terminal, 100 when not a terminal)' })
      .option('fail-if-total-over', { type: 'number', requiresArg: true, describe: 'Exit 3 when the period has more than N hits' })
      .option('fail-on-new', { type: 'boolean', describe: 'Exit 3 when a code is NEW' })
      .option('fail-on-spike', { type: 'boolean', describe: 'Exit 3 when a code SPIKEs' })
      .option('fail-on-severity', { choices: SEVERITIES, describe: 'Exit 3 when a code at or above LEVEL was seen' })
      .conflicts('json', ['csv', 'markdown', 'html'])
      .conflicts('csv', ['markdown', 'html'])
      .conflicts('markdown', 'html')
      .conflicts('day', ['since', 'until'])
      .example('$0 report', "yesterday's top 10 in the local zone")
      .example('$0 report --day 2026-11-16 --tz Europe/Berlin --top 20', 'one day, Berlin days')
      .example('$0 report --since 7d --until 1d --by day --trend 7d', 'the last 7 complete days, day by day')
      .example('$0 report --vendor dwt --markdown', 'for a ticket')
      .example('$0 report --html > report.html', 'a page with a trend chart and sample lines')
      .example('$0 report --day today --fail-on-spike --fail-on-severity critical', 'cron/CI: exit 3 on an alert') as unknown as Argv<ReportArgs>,
  handler: async (raw) => {
    // A flag given twice arrives as an array: the last one wins, as in most CLIs.
    const argv = Object.fromEntries(
      Object.entries(raw).map(([k, v]) => [k, Array.isArray(v) && !['vendor', 'source', 'catalog', '_'].includes(k) ? v[v.length - 1] : v]),
    ) as unknown as ReportArgs;
    const top = wholeNumber('--top', argv.top) ?? 10;
    if (argv.width !== undefined && !(Number.isInteger(argv.width) && argv.width > 0)) wholeNumber('--width', -1);
    const totalOver = wholeNumber('--fail-if-total-over', argv['fail-if-total-over']);
    const tz = argv.tz !== undefined ? new Zone(argv.tz).name : Zone.local().name;
    const trend = parseTrend(argv.trend) ?? (argv.html ? 'auto' : undefined);
    const format = FORMATS.find((f) => argv[f]) ?? 'table';

    const store = await openStore(resolveDbLocation(argv), { readonly: true });
    let report;
    try {
      report = await buildReport(store, {
        tz,
        top,
        ...(argv.day !== undefined ? { day: argv.day } : {}),
        ...(argv.since !== undefined ? { since: argv.since } : {}),
        ...(argv.until !== undefined ? { until: argv.until } : {}),
        ...(argv.vendor ? { vendor: argv.vendor.map(String) } : {}),
        ...(argv.source ? { source: argv.source.map(String) } : {}),
        ...(argv.by ? { by: argv.by } : {}),
        ...(trend !== undefined ? { trend } : {}),
        samples: format === 'html' ? 5 : 0,
      });
    } finally {
      await store.close();
    }

    let out: string;
    if (format === 'json') out = renderJson(report);
    else if (format === 'csv') out = renderCsv(report);
    else if (format === 'markdown') out = renderMarkdown(report);
    else if (format === 'html') out = renderHtml(report);
    else {
      const width = argv.width ?? (process.stdout.isTTY && process.stdout.columns ? process.stdout.columns : 100);
      out = renderTable(report, { width, color: useColor(argv.color) });
    }
    process.stdout.write(out);

    const reasons = checkAlerts(report, {
      ...(totalOver !== undefined ? { totalOver } : {}),
      onNew: !!argv['fail-on-new'],
      onSpike: !!argv['fail-on-spike'],
      ...(argv['fail-on-severity'] ? { onSeverity: argv['fail-on-severity'] } : {}),
    });
    if (reasons.length) throw alertError(report, reasons);
  },
};
