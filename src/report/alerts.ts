// Alerts for cron and CI: the report is printed first, then a crossed threshold exits 3.
import { ErrscanError } from '../errors.js';
import { SEVERITIES, type Severity } from '../types.js';
import type { Report, ReportRow } from './types.js';

export interface AlertOptions {
  /** Alert when the period's total hits exceed this. */
  totalOver?: number;
  onNew?: boolean;
  onSpike?: boolean;
  /** Alert when any code in the period is at or above this severity. */
  onSeverity?: Severity;
}

const list = (rows: ReportRow[]) =>
  rows.slice(0, 3).map((r) => `${r.vendor}:${r.code}`).join(', ') + (rows.length > 3 ? `, +${rows.length - 3} more` : '');

/** Reasons for every crossed threshold, looking at every code in the period (not only the top N). */
export function checkAlerts(report: Report, a: AlertOptions): string[] {
  const reasons: string[] = [];
  if (a.totalOver !== undefined && report.total > a.totalOver) {
    reasons.push(`${report.total} hits > ${a.totalOver} (--fail-if-total-over)`);
  }
  if (a.onNew) {
    const rows = report.all.filter((r) => r.isNew);
    if (rows.length) reasons.push(`${rows.length} new code${rows.length > 1 ? 's' : ''}: ${list(rows)} (--fail-on-new)`);
  }
  if (a.onSpike) {
    const rows = report.all.filter((r) => r.spike);
    if (rows.length) reasons.push(`${rows.length} spiking code${rows.length > 1 ? 's' : ''}: ${list(rows)} (--fail-on-spike)`);
  }
  if (a.onSeverity) {
    const min = SEVERITIES.indexOf(a.onSeverity);
    const rows = report.all.filter((r) => r.severity !== null && SEVERITIES.indexOf(r.severity) >= min);
    if (rows.length) {
      reasons.push(`${rows.length} code${rows.length > 1 ? 's' : ''} at ${a.onSeverity} or above: ${list(rows)} (--fail-on-severity ${a.onSeverity})`);
    }
  }
  return reasons;
}

/** The error the CLI raises after printing the report: one line on stderr, exit 3. */
export function alertError(report: Report, reasons: string[]): ErrscanError {
  return new ErrscanError('ERRSCAN_ALERT', `report alert for ${report.label} (${report.tz}): ${reasons.join('; ')}`);
}
