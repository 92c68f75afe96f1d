// `--html`: one self-contained page (inline CSS and SVG; no scripts, fonts or network, enforced by a
// Content-Security-Policy). Everything from logs or catalogs is HTML-escaped.
import type { Severity } from '../../types.js';
import type { Ranking, Report, ReportRow } from '../types.js';
import { SPIKE_RULE_TEXT, describe, escapeControl, flags, int, pct, plural, signed } from '../text.js';

/** HTML-escaped text (safe in element content and quoted attributes). */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Log or catalog text: control characters made visible, then escaped. */
const text = (s: string) => esc(escapeControl(s));

const MAX_SAMPLE = 2000;
const SERIES_COLORS = ['#2563eb', '#f97316', '#10b981', '#a855f7', '#e11d48', '#0891b2'];
const OTHER_COLOR = '#cbd5e1';

const CSS = `
:root{--fg:#0f172a;--muted:#64748b;--line:#e2e8f0;--bg:#f8fafc;--card:#fff;--accent:#2563eb}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1180px;margin:0 auto;padding:28px 24px 48px}
header{display:flex;justify-content:space-between;align-items:flex-end;gap:16px;flex-wrap:wrap;margin-bottom:20px}
.brand{font-size:12px;font-weight:700;letter-spacing:.12em;text-transform:uppercase;color:var(--accent)}
h1{font-size:26px;line-height:1.2;margin:4px 0 2px;font-weight:700}
h2{font-size:16px;margin:0 0 12px;font-weight:650}
h3{font-size:14px;margin:18px 0 8px}
.period{color:var(--muted);font-size:13px}
.meta{color:var(--muted);font-size:12px;text-align:right}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(170px,1fr));gap:12px;margin-bottom:16px}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:14px 16px}
.card .k{display:block;color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.06em}
.card .v{display:block;font-size:26px;font-weight:700;font-variant-numeric:tabular-nums;margin-top:2px}
.card .d{display:block;color:var(--muted);font-size:12px;margin-top:2px;overflow-wrap:anywhere}
.card.warn .v{color:#b45309}.card.bad .v{color:#b91c1c}
.panel{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:18px 20px;margin-bottom:16px}
.chart svg{width:100%;height:auto;display:block}
.chart .axis{fill:var(--muted);font-size:11px}
.chart .grid{stroke:var(--line)}
.chart .period-band{fill:#eff6ff}
.legend{display:flex;flex-wrap:wrap;gap:6px 16px;margin-top:8px;font-size:12px;color:#334155}
.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px;vertical-align:-1px}
table{width:100%;border-collapse:collapse;font-variant-numeric:tabular-nums}
.table-wrap{overflow-x:auto}
th{font-size:11px;text-transform:uppercase;letter-spacing:.05em;color:var(--muted);font-weight:600;text-align:left;padding:8px 10px;border-bottom:1px solid var(--line);white-space:nowrap}
td{padding:8px 10px;border-bottom:1px solid var(--line);vertical-align:top}
tbody tr:hover{background:#f8fafc}
.num{text-align:right;white-space:nowrap}
.code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;white-space:nowrap}
.desc{min-width:220px;max-width:440px;overflow-wrap:anywhere}
.desc a{color:inherit;text-decoration:none;border-bottom:1px dotted #94a3b8}
.up{color:#b91c1c}.down{color:#15803d}
.pill{display:inline-block;padding:1px 8px;border-radius:999px;font-size:11px;font-weight:600;white-space:nowrap}
.sev-critical{background:#7f1d1d;color:#fff}.sev-error{background:#fee2e2;color:#b91c1c}
.sev-warning{background:#fef3c7;color:#92400e}.sev-info{background:#dbeafe;color:#1d4ed8}.sev-none{background:#f1f5f9;color:#475569}
.flag{display:inline-block;padding:0 6px;border-radius:4px;font-size:10px;font-weight:700;letter-spacing:.04em;margin-right:4px}
.flag-new{background:#dcfce7;color:#166534}.flag-spike{background:#fae8ff;color:#86198f}
.bar{display:inline-block;height:6px;border-radius:3px;background:var(--accent);opacity:.7;vertical-align:middle;margin-right:6px}
.spark{vertical-align:middle}
details{border-top:1px solid var(--line);padding:10px 0}
details:first-of-type{border-top:0}
summary{cursor:pointer;font-weight:600}
summary .code{margin:0 6px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:10px 0;font-size:13px}
dt{color:var(--muted)}dd{margin:0;overflow-wrap:anywhere}
pre{background:#0f172a;color:#e2e8f0;border-radius:8px;padding:10px 12px;overflow-x:auto;font:12px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;white-space:pre-wrap;overflow-wrap:anywhere;margin:6px 0}
.sample-meta{display:block;color:#94a3b8}
.sample-line{display:block;margin-bottom:8px}
.sample-line:last-child{margin-bottom:0}
.muted{color:var(--muted)}
.unknown-list{margin:6px 0 0;padding-left:18px}
footer{color:var(--muted);font-size:12px;margin-top:24px}
@media print{body{background:#fff}.panel,.card{break-inside:avoid}}
`;

export function renderHtml(report: Report): string {
  const title = `errscan report · ${report.label} · ${report.tz}`;
  const prevWord = report.days && report.days.length === 1 ? 'previous day' : 'previous period';
  const delta = report.total - report.previousTotal;
  const cards = [
    card('Hits', int(report.total), `${signed(delta)} vs ${prevWord} (${int(report.previousTotal)})`, ''),
    card('Codes', int(report.distinct), `${report.rows.length < report.distinct ? `top ${report.rows.length} shown` : 'all shown'}`, ''),
    card('New codes', String(report.newCodes), 'first seen in this period', report.newCodes > 0 ? 'warn' : ''),
    card('Spiking', String(report.spikes), 'well above the 7-period baseline', report.spikes > 0 ? 'bad' : ''),
    card('Unknown', int(report.unknown), report.unknownDistinct ? `hits in ${report.unknownDistinct} uncatalogued codes` : 'every code is in the catalog', report.unknown > 0 ? 'warn' : ''),
  ];
  const f = report.filters;
  const filters = [f.vendor.length ? `vendor ${f.vendor.join(', ')}` : '', f.source.length ? `source ${f.source.join(', ')}` : ''].filter(Boolean).join(' · ');

  const body: string[] = [];
  body.push(`<header><div><div class="brand">errscan</div><h1>Top vendor errors · ${text(report.label)}</h1>`);
  body.push(`<div class="period">${esc(report.from)} → ${esc(report.to)} · ${text(report.tz)}${filters ? ` · ${text(filters)}` : ''}</div></div>`);
  body.push(`<div class="meta">Generated ${esc(new Date(report.generatedAt * 1000).toISOString().replace(/\.\d+Z$/, 'Z'))}</div></header>`);
  body.push(`<section class="cards">${cards.join('')}</section>`);

  if (report.trendDays && report.trendTotals) {
    body.push(`<section class="panel chart" id="trend"><h2>Daily trend · last ${report.trendDays.length} days</h2>${chart(report)}</section>`);
  }

  if (report.total === 0) {
    body.push('<section class="panel"><h2>Ranking</h2><p class="muted">No vendor errors in this period.</p></section>');
  } else if (report.groups) {
    report.groups.forEach((g, i) => {
      body.push(`<section class="panel"><h2>${esc(g.by)} · ${text(g.key)} <span class="muted">· ${plural(g.total, 'hit')} · ${plural(g.distinct, 'code')}</span></h2>`);
      body.push(rankingTable(report, g, `ranking-${i + 1}`));
      body.push('</section>');
    });
  } else {
    body.push(`<section class="panel"><h2>Ranking</h2>${rankingTable(report, report, 'ranking')}</section>`);
  }

  if (report.unknown > 0) {
    const items = report.topUnknown.map((u) => `<li><span class="code">${text(`${u.vendor}:${u.code}`)}</span> · ${int(u.count)} hits</li>`).join('');
    body.push(`<section class="panel" id="unknown"><h2>Unknown codes</h2><p class="muted">${plural(report.unknown, 'hit')} in ${plural(report.unknownDistinct, 'code')} the catalog does not describe.</p><ul class="unknown-list">${items}</ul></section>`);
  }

  const detailRows = uniqueRows(report);
  if (detailRows.length) {
    body.push(`<section class="panel" id="details"><h2>Details</h2>${detailRows.map((r, i) => details(r, i)).join('')}</section>`);
  }
  body.push(`<footer>NEW: first seen in this period. ${esc(SPIKE_RULE_TEXT)}. Days follow ${text(report.tz)}. Made by errscan from hourly counts.</footer>`);

  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">`,
    '<meta name="referrer" content="no-referrer">',
    `<title>${text(title)}</title>`,
    `<style>${CSS.trim()}</style>`,
    '</head>',
    '<body>',
    `<main>${body.join('\n')}</main>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function card(k: string, v: string, d: string, cls: string): string {
  return `<div class="card${cls ? ` ${cls}` : ''}"><span class="k">${esc(k)}</span><span class="v">${esc(v)}</span><span class="d">${text(d)}</span></div>`;
}

const anchor = (r: ReportRow) => `code-${esc(r.vendor.replace(/[^A-Za-z0-9_-]/g, '_'))}-${r.code < 0 ? 'm' : ''}${Math.abs(r.code)}`;

function sevPill(s: Severity | null): string {
  return `<span class="pill sev-${s ?? 'none'}">${s ?? 'unknown'}</span>`;
}

function flagBadges(r: ReportRow): string {
  return flags(r).map((f) => `<span class="flag flag-${f.toLowerCase()}">${f}</span>`).join('');
}

function rankingTable(report: Report, ranking: Ranking, id: string): string {
  const trend = report.trendDays !== null;
  const max = Math.max(1, ...ranking.rows.map((r) => r.count));
  const hosts = report.hosts.length > 1;
  const head = ['#', 'Vendor', 'Code', 'Severity', 'Count', 'Share', 'Prev', 'Change', 'Flags', ...(hosts ? ['Hosts'] : []), ...(trend ? [`Trend ${report.trendDays!.length}d`] : []), 'Description'];
  const numeric = new Set(['#', 'Count', 'Share', 'Prev', 'Change', 'Hosts']);
  const rows = ranking.rows.map((r) => {
    const change = r.change > 0 ? 'up' : r.change < 0 ? 'down' : 'muted';
    return [
      '<tr>',
      `<td class="num">${r.rank}</td>`,
      `<td>${text(r.vendor)}</td>`,
      `<td class="code">${r.code}</td>`,
      `<td>${sevPill(r.severity)}</td>`,
      `<td class="num"><span class="bar" style="width:${Math.max(2, Math.round((r.count / max) * 60))}px"></span>${int(r.count)}</td>`,
      `<td class="num">${pct(r.share)}</td>`,
      `<td class="num">${int(r.previous)}</td>`,
      `<td class="num ${change}">${signed(r.change)}</td>`,
      `<td>${flagBadges(r)}</td>`,
      ...(hosts ? [`<td class="num">${int(r.hosts?.length ?? 0)}</td>`] : []),
      ...(trend ? [`<td>${sparkSvg(r.trend ?? [])}</td>`] : []),
      `<td class="desc"><a href="#${anchor(r)}">${text(describe(r))}</a></td>`,
      '</tr>',
    ].join('');
  });
  const more = ranking.rows.length < ranking.distinct
    ? `<p class="muted">… ${plural(ranking.distinct - ranking.rows.length, 'more code')} (${plural(ranking.all.slice(ranking.rows.length).reduce((n, r) => n + r.count, 0), 'hit')}); use --top N to list them.</p>`
    : '';
  return `<div class="table-wrap"><table class="ranking" id="${id}"><thead><tr>${head.map((h) => `<th${numeric.has(h) ? ' class="num"' : ''}>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('\n')}</tbody></table></div>${more}`;
}

function sparkSvg(values: number[]): string {
  const w = 84;
  const h = 20;
  const max = Math.max(1, ...values);
  const n = values.length;
  const bw = w / Math.max(1, n);
  const bars = values
    .map((v, i) => {
      const bh = v > 0 ? Math.max(1.5, (v / max) * (h - 2)) : 1;
      return `<rect x="${(i * bw + 0.5).toFixed(1)}" y="${(h - bh).toFixed(1)}" width="${Math.max(1, bw - 1).toFixed(1)}" height="${bh.toFixed(1)}" fill="${v > 0 ? '#2563eb' : '#e2e8f0'}"/>`;
    })
    .join('');
  return `<svg class="spark" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="daily counts ${values.join(', ')}">${bars}</svg>`;
}

/** A rounded axis maximum and step: 1, 2, 2.5 or 5 × 10^k. */
function niceScale(max: number, ticks = 4): { top: number; step: number } {
  if (max <= 0) return { top: ticks, step: 1 };
  const raw = max / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const s = step < 1 ? 1 : step;
  return { top: Math.ceil(max / s) * s, step: s };
}

/** Stacked daily bars: the top codes of the period, the rest as "other". */
function chart(report: Report): string {
  const days = report.trendDays!;
  const totals = report.trendTotals!;
  const series = report.all.filter((r) => r.trend).slice(0, 5);
  const W = 960;
  const H = 260;
  const m = { l: 48, r: 12, t: 12, b: 28 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const { top, step } = niceScale(Math.max(0, ...totals));
  const y = (v: number) => m.t + ph - (v / top) * ph;
  const slot = pw / days.length;
  const bw = Math.max(4, Math.min(56, slot * 0.64));
  const parts: string[] = [];
  const inPeriod = new Set(report.days ?? []);
  const labelEvery = Math.ceil(days.length / 14);
  // Drawn in order: the period's band, grid lines, then bars.
  days.forEach((day, i) => {
    if (inPeriod.has(day)) parts.push(`<rect class="period-band" x="${(m.l + i * slot).toFixed(1)}" y="${m.t}" width="${slot.toFixed(1)}" height="${ph}"/>`);
  });
  for (let v = 0; v <= top + 1e-9; v += step) {
    parts.push(`<line class="grid" x1="${m.l}" x2="${W - m.r}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}"/>`);
    parts.push(`<text class="axis" x="${m.l - 8}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${int(v)}</text>`);
  }
  days.forEach((day, i) => {
    const cx = m.l + i * slot + slot / 2;
    let acc = 0;
    const stack: Array<{ label: string; v: number; color: string }> = series.map((r, k) => ({
      label: `${r.vendor}:${r.code}`,
      v: r.trend![i] ?? 0,
      color: SERIES_COLORS[k % SERIES_COLORS.length]!,
    }));
    const other = (totals[i] ?? 0) - stack.reduce((s, x) => s + x.v, 0);
    if (other > 0) stack.push({ label: 'other codes', v: other, color: OTHER_COLOR });
    for (const s of stack) {
      if (s.v <= 0) continue;
      const y1 = y(acc + s.v);
      const h = y(acc) - y1;
      parts.push(`<rect class="mark" x="${(cx - bw / 2).toFixed(1)}" y="${y1.toFixed(1)}" width="${bw.toFixed(1)}" height="${Math.max(0.5, h).toFixed(1)}" fill="${s.color}"><title>${text(`${day} · ${s.label} · ${int(s.v)} hits`)}</title></rect>`);
      acc += s.v;
    }
    if (i % labelEvery === 0 || i === days.length - 1) {
      parts.push(`<text class="axis" x="${cx.toFixed(1)}" y="${H - 8}" text-anchor="middle">${esc(day.slice(5))}</text>`);
    }
  });
  const legend = [
    ...series.map((r, k) => `<span><i style="background:${SERIES_COLORS[k % SERIES_COLORS.length]}"></i>${text(`${r.vendor}:${r.code}`)} ${text(r.name ?? '')}</span>`),
    ...(series.length < report.distinct || totals.some((t, i) => t > series.reduce((s, r) => s + (r.trend![i] ?? 0), 0))
      ? [`<span><i style="background:${OTHER_COLOR}"></i>other codes</span>`]
      : []),
    ...(inPeriod.size ? ['<span><i style="background:#eff6ff;border:1px solid #bfdbfe"></i>report period</span>'] : []),
  ];
  const label = `Hits per day, ${days[0]} to ${days[days.length - 1]}: ${totals.join(', ')}`;
  return `<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(label)}">${parts.join('')}</svg><div class="legend">${legend.join('')}</div>`;
}

function uniqueRows(report: Report): ReportRow[] {
  const seen = new Set<string>();
  const out: ReportRow[] = [];
  for (const r of [...report.rows, ...(report.groups ?? []).flatMap((g) => g.rows)]) {
    const k = anchor(r);
    if (!seen.has(k)) {
      seen.add(k);
      out.push(r);
    }
  }
  return report.groups ? out.sort((a, b) => b.count - a.count) : out;
}

/** The first few codes' details start open; the rest are a click away. */
const OPEN_DETAILS = 3;

function details(r: ReportRow, i: number): string {
  const dl: Array<[string, string]> = [
    ['Product', text(r.product ?? '—')],
    ['Category', text(r.category ?? '—')],
    ['Severity', sevPill(r.severity)],
    ['In the catalog', r.known ? 'yes' : 'no'],
    ['Count', `${int(r.count)} (${pct(r.share)}), previous ${int(r.previous)}, 7-period mean ${r.baseline.toFixed(1)}`],
    ['First seen', esc(r.firstSeen ?? '—')],
    ['Last seen', esc(r.lastSeen ?? '—')],
    ['Sources', r.sources.length ? r.sources.map((s) => `<span class="code">${text(s)}</span>`).join(', ') : '—'],
    ...(r.hosts ? [['Hosts', r.hosts.map((h) => `<span class="code">${text(h)}</span>`).join(', ')] as [string, string]] : []),
  ];
  const samples = r.samples ?? [];
  // One block per code: each line under its time and place.
  const sampleHtml = samples.length
    ? `<h3>Recent sample lines</h3><pre class="sample">${samples
        .map((s) => {
          const line = s.text.replace(/\t/g, '    ');
          const cut = line.length > MAX_SAMPLE ? `${line.slice(0, MAX_SAMPLE)}…` : line;
          return `<span class="sample-meta">${text(`${s.ts} ${s.source}:${s.line}`)}</span><span class="sample-line">${text(cut)}</span>`;
        })
        .join('')}</pre>`
    : '<p class="muted">No sample lines stored for this code.</p>';
  return `<details${i < OPEN_DETAILS ? ' open' : ''} id="${anchor(r)}"><summary>${text(r.vendor)}<span class="code">${r.code}</span>${text(describe(r))} ${flagBadges(r)}</summary><dl>${dl
    .map(([k, v]) => `<dt>${esc(k)}</dt><dd>${v}</dd>`)
    .join('')}</dl>${sampleHtml}</details>`;
}
