// `errscan catalog list|show|check|import`: inspect, validate and build vendor catalogs.
import fs from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import { ErrscanError, isErrscanError } from '../../errors.js';
import { catalogsFromArgv, loadCatalogs, validateCatalog, type CatalogSet } from '../../catalog/index.js';
import { codeLabel, entryOut, inert, table, vendorSummary } from '../../catalog/format.js';
import { importMarkdown, type CatalogJson } from '../../catalog/markdown.js';
import { findSyntaxError, placeOf } from '../../catalog/json.js';
import { requireVendor } from './explain.js';
import { checkSamples } from '../../extract/index.js';

interface Common {
  catalog?: string[];
  json?: boolean;
}

const json = (v: unknown): void => {
  process.stdout.write(`${JSON.stringify(v, null, 2)}\n`);
};

const list: CommandModule<object, Common> = {
  command: 'list',
  describe: 'List the loaded vendor catalogs',
  builder: (y: Argv<object>) =>
    y
      .option('json', { type: 'boolean', describe: 'Print JSON' })
      .example('$0 catalog list', 'vendor, product, entries, patterns, source')
      .example('$0 --catalog ./my-vendor.json catalog list --json', 'including a catalog of your own') as unknown as Argv<Common>,
  handler: (argv) => {
    const set = catalogsFromArgv(argv);
    const rows = set.vendors.map(vendorSummary);
    if (argv.json) return json(rows);
    process.stdout.write(
      `${table(
        ['vendor', 'product', 'entries', 'patterns', 'source'],
        rows.map((r) => [r.vendor, r.product, String(r.entries), String(r.patterns), r.source ?? '-']),
      )}\n`,
    );
  },
};

interface ShowArgs extends Common {
  vendor: string;
}

const show: CommandModule<object, ShowArgs> = {
  command: 'show <vendor>',
  describe: "Show one vendor's entries",
  builder: (y: Argv<object>) =>
    y
      .positional('vendor', { type: 'string', demandOption: true, describe: 'Vendor id (dls, dwt, qlm, pallycon, …)' })
      .option('json', { type: 'boolean', describe: 'Print a JSON array of entries' })
      .example('$0 catalog show qlm', 'a table of QLM codes')
      .example('$0 catalog show dwt --json', 'every DWT entry (172 codes and the <= -3000 range rule) as JSON') as unknown as Argv<ShowArgs>,
  handler: (argv) => {
    const set = catalogsFromArgv(argv);
    requireVendor(set, argv.vendor);
    const v = set.vendor(argv.vendor)!;
    if (argv.json) return json(v.entries.map((e) => entryOut(set, e)));
    const hasOriginal = v.entries.some((e) => e.original !== undefined);
    const hasName = v.entries.some((e) => e.name !== null);
    const header = ['code', ...(hasOriginal ? ['original'] : []), ...(hasName ? ['name'] : []), 'severity', 'category', 'message'];
    const rows = v.entries.map((e) => [
      codeLabel(e),
      ...(hasOriginal ? [e.original === undefined ? '-' : String(e.original)] : []),
      ...(hasName ? [e.name ?? '-'] : []),
      e.severity,
      e.category,
      e.message + (e.alternates.length ? ` (+${e.alternates.length} alternate${e.alternates.length > 1 ? 's' : ''})` : ''),
    ]);
    process.stdout.write(`${inert(v.product)} (${v.vendor}): ${v.entries.length} entries\n\n${table(header, rows)}\n`);
  },
};

interface CheckArgs extends Common {
  files?: string[];
}

const check: CommandModule<object, CheckArgs> = {
  command: 'check [files..]',
  describe: 'Validate the shipped catalogs and the given ones, and run every pattern sample',
  builder: (y: Argv<object>) =>
    y
      .positional('files', { type: 'string', array: true, describe: 'Catalog files or directories to check as well' })
      .option('json', { type: 'boolean', describe: 'Print the result as JSON' })
      .example('$0 catalog check', 'validate the shipped catalogs')
      .example('$0 catalog check ./my-vendor.json', 'validate your own catalog on top of them') as unknown as Argv<CheckArgs>,
  handler: async (argv) => {
    const extra = [...(argv.catalog ?? []), ...(argv.files ?? []).map(String)];
    const set = loadCatalogs({ extra, env: process.env });
    const results = checkSamples(set);
    const failures = results.filter((r) => !r.ok);
    if (failures.length > 0) {
      for (const f of failures) {
        process.stderr.write(
          `errscan: ${f.vendor} pattern "${f.pattern}": sample ${JSON.stringify(inert(f.line))} gives [${f.actual.join(', ')}], expected [${f.expected.join(', ')}]\n`,
        );
      }
      throw new ErrscanError('ERRSCAN_CATALOG_SAMPLE', `${failures.length} of ${results.length} pattern samples do not give their expected hits`, {
        hint: 'fix the pattern or the sample in its catalog file',
      });
    }
    const rows = set.vendors.map(vendorSummary);
    if (argv.json) return json({ ok: true, vendors: rows, samplesRun: results.length });
    for (const r of rows) {
      process.stdout.write(`ok  ${r.vendor}: ${r.entries} entries, ${r.patterns} patterns, ${r.samples} samples (${r.files.join(', ')})\n`);
    }
    process.stdout.write(`${rows.length} catalogs valid; ${results.length} samples give their expected hits\n`);
  },
};

interface ImportArgs {
  vendor: string;
  from: string;
  product?: string;
  source?: string;
  update?: string;
}

function readText(file: string, what: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ErrscanError('ERRSCAN_IMPORT', `cannot read ${what}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`, { file, cause: e });
  }
}

/** Replaces the entries (and product/source) of an existing catalog file, keeping patterns, extract and the rest. */
function updateFile(file: string, fresh: CatalogJson): void {
  const text = readText(file, 'the catalog to update');
  let old: Record<string, unknown>;
  try {
    old = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    const syn = findSyntaxError(text);
    const p = placeOf(text, syn?.offset ?? 0);
    throw new ErrscanError('ERRSCAN_CATALOG_BAD_JSON', `invalid JSON: ${syn?.message ?? (e as Error).message}`, { file, where: `${p.line}:${p.column}` });
  }
  const out: Record<string, unknown> = {};
  const order = ['$schema', 'vendor', 'product', 'source', 'description', 'patterns', 'extract', 'entries'];
  const merged: Record<string, unknown> = { ...old, vendor: fresh.vendor, product: fresh.product, entries: fresh.entries };
  if (fresh.source !== undefined) merged.source = fresh.source;
  if (!('patterns' in merged)) merged.patterns = [];
  for (const k of order) if (k in merged) out[k] = merged[k];
  for (const k of Object.keys(merged)) if (!(k in out)) out[k] = merged[k];
  const body = `${JSON.stringify(out, null, 2)}\n`;
  validateCatalog(JSON.parse(body), file, body);
  fs.writeFileSync(file, body);
}

const importCmd: CommandModule<object, ImportArgs> = {
  command: 'import',
  describe: 'Turn a Markdown error table into catalog JSON (stdout)',
  builder: (y: Argv<object>) =>
    y
      .option('vendor', { type: 'string', demandOption: true, requiresArg: true, describe: 'Vendor id of the catalog (lowercase)' })
      .option('from', { type: 'string', demandOption: true, requiresArg: true, describe: 'Markdown file with the error table(s)' })
      .option('product', { type: 'string', requiresArg: true, describe: 'Product name (default: known for shipped vendors, else the id)' })
      .option('source', { type: 'string', requiresArg: true, describe: 'Value of "source" (default: the --from path)' })
      .option('update', {
        type: 'string',
        requiresArg: true,
        describe: "Write the entries into this catalog file instead of stdout, keeping its patterns and extract",
      })
      .example('$0 catalog import --vendor acme --from errors.md > acme.json', 'a new vendor from its docs table')
      .example('$0 catalog import --vendor dwt --from catalogs/sources/dwt.md --update catalogs/dwt.json', 'refresh shipped entries') as unknown as Argv<ImportArgs>,
  handler: (argv) => {
    if (!/^[a-z][a-z0-9_-]*$/.test(argv.vendor)) {
      throw new ErrscanError('ERRSCAN_USAGE', `bad --vendor "${argv.vendor}": use lowercase letters, digits, '-' or '_'`);
    }
    const text = readText(argv.from, 'the Markdown file');
    const cat = importMarkdown(text, {
      vendor: argv.vendor,
      source: argv.source ?? argv.from,
      file: argv.from,
      ...(argv.product !== undefined ? { product: argv.product } : {}),
    });
    if (argv.update !== undefined) {
      updateFile(argv.update, cat);
      process.stderr.write(`errscan: wrote ${cat.entries.length} entries to ${argv.update}\n`);
      return;
    }
    try {
      validateCatalog(cat, argv.from);
    } catch (e) {
      // The importer makes valid catalogs; a failure here is a bug, not bad input.
      if (isErrscanError(e)) throw new ErrscanError('ERRSCAN_INTERNAL', `imported catalog is invalid: ${e.message}`);
      throw e;
    }
    json(cat);
  },
};

export const catalogCommand: CommandModule<object, object> = {
  command: 'catalog',
  describe: 'List, show, check and import vendor catalogs',
  builder: (y: Argv<object>) =>
    y
      .command(list)
      .command(show)
      .command(check)
      .command(importCmd)
      .demandCommand(1, 'name a catalog command: list, show, check or import')
      .example('$0 catalog list', '')
      .example('$0 catalog show dls --json', '')
      .example('$0 catalog check ./my-vendor.json', '')
      .example('$0 catalog import --vendor acme --from errors.md', ''),
  handler: () => undefined,
};
