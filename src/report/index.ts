// Reports: a model built from the store's read methods, and its renderers.
export { buildReport, computeReport, planReport, codeKey, type ReportData, type ReportPlan } from './model.js';
export { checkAlerts, alertError, type AlertOptions } from './alerts.js';
export { Zone, resolvePeriod, parseTrend, trailingSlots, dayPeriod, addDays, dateRange } from './period.js';
export { renderTable, type TableOptions } from './render/table.js';
export { renderJson, reportJson } from './render/json.js';
export { renderCsv, csvCell } from './render/csv.js';
export { renderMarkdown, mdText } from './render/markdown.js';
export { renderHtml, esc } from './render/html.js';
export * from './types.js';
