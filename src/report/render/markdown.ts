// `--markdown`: for chat and tickets. Everything from logs or catalogs is escaped so it stays text.
import type { Ranking, Report, ReportRow } from '../types.js';
import { SPIKE_RULE_TEXT, describe, flags, int, oneLine, pct, plural, signed, sparkline } from '../text.js';

/**
 * Markdown-inert text for a table cell: one line; inline markup, HTML, entities, mentions and `|`
 * backslash-escaped (CommonMark allows escaping any ASCII punctuation); autolinks broken up.
 */
export function mdText(s: string): string {
  return oneLine(s)
    .replace(/[\\`*_[\]<>|~@&]/g, (c) => `\\${c}`)
    .replace(/:\/\//g, '\\://')
    .replace(/\bwww\./gi, (m) => `${m.slice(0, 3)}\\.`);
}

function table(rows: ReportRow[], trend: boolean, hosts = false): string[] {
  const head = ['#', 'Vendor', 'Code', 'Severity', 'Count', 'Share', 'Prev', 'Change', 'Flags', ...(hosts ? ['Hosts'] : []), ...(trend ? ['Trend'] : []), 'Description'];
  const align = ['--:', ':--', '--:', ':--', '--:', '--:', '--:', '--:', ':--', ...(hosts ? ['--:'] : []), ...(trend ? [':--'] : []), ':--'];
  const out = [`| ${head.join(' | ')} |`, `| ${align.join(' | ')} |`];
  for (const r of rows) {
    const cells = [
      String(r.rank),
      mdText(r.vendor),
      String(r.code),
      mdText(r.severity ?? '?'),
      int(r.count),
      pct(r.share),
      int(r.previous),
      signed(r.change),
      flags(r).map((f) => `**${f}**`).join(' '),
      ...(hosts ? [int(r.hosts?.length ?? 0)] : []),
      ...(trend ? [sparkline(r.trend ?? [])] : []),
      mdText(describe(r)),
    ];
    out.push(`| ${cells.join(' | ')} |`);
  }
  return out;
}

function more(r: Ranking): string[] {
  if (r.rows.length >= r.distinct) return [];
  const hits = r.all.slice(r.rows.length).reduce((n, x) => n + x.count, 0);
  return ['', `_… ${plural(r.distinct - r.rows.length, 'more code')} (${plural(hits, 'hit')})_`];
}

export function renderMarkdown(report: Report): string {
  const out: string[] = [];
  out.push(`### errscan report · ${mdText(report.label)} · ${mdText(report.tz)}`, '');
  const prev = report.days && report.days.length === 1 ? 'previous day' : 'previous period';
  out.push(
    `**${int(report.total)}** hit${report.total === 1 ? '' : 's'} · **${int(report.distinct)}** code${report.distinct === 1 ? '' : 's'} · ${report.newCodes} new · ${report.spikes} spiking · ` +
      `${prev} ${int(report.previousTotal)} (${signed(report.total - report.previousTotal)})`,
  );
  if (report.unknown > 0) {
    const list = report.topUnknown.map((u) => `${mdText(`${u.vendor}:${u.code}`)} ×${int(u.count)}`).join(', ');
    out.push('', `Unknown codes: ${plural(report.unknown, 'hit')} in ${plural(report.unknownDistinct, 'code')} (${list})`);
  }
  const f = report.filters;
  if (f.vendor.length || f.source.length) {
    out.push('', `Filters: ${mdText([f.vendor.length ? `vendor ${f.vendor.join(', ')}` : '', f.source.length ? `source ${f.source.join(', ')}` : ''].filter(Boolean).join(' · '))}`);
  }
  if (report.total === 0) {
    out.push('', 'No vendor errors in this period.');
    return `${out.join('\n')}\n`;
  }
  const trend = report.trendDays !== null;
  const hosts = report.hosts.length > 1;
  if (report.groups) {
    for (const g of report.groups) {
      out.push('', `#### ${mdText(`${g.by} ${g.key}`)} · ${plural(g.total, 'hit')} · ${plural(g.distinct, 'code')}`, '', ...table(g.rows, trend, hosts), ...more(g));
    }
  } else {
    out.push('', ...table(report.rows, trend, hosts), ...more(report));
  }
  out.push('', `_NEW: first seen in this period · ${mdText(SPIKE_RULE_TEXT)}_`);
  return `${out.join('\n')}\n`;
}
