// `errscan explain QUERY`: what a code, symbolic name or message means, across every vendor catalog.
import type { Argv, CommandModule } from 'yargs';
import { ErrscanError } from '../../errors.js';
import { catalogsFromArgv, type CatalogSet } from '../../catalog/index.js';
import { entryOut, entryText } from '../../catalog/format.js';
import { lookup } from '../../catalog/lookup.js';

interface ExplainArgs {
  query: string[];
  vendor?: string;
  json?: boolean;
  catalog?: string[];
}

/** Throws the exit-2 error for a --vendor no loaded catalog defines. */
export function requireVendor(set: CatalogSet, vendor: string): void {
  if (!set.vendor(vendor)) {
    throw new ErrscanError('ERRSCAN_UNKNOWN_VENDOR', `unknown vendor "${vendor}"`, {
      hint: `known: ${set.vendors.map((v) => v.vendor).join(', ')}`,
    });
  }
}

export const explainCommand: CommandModule<object, ExplainArgs> = {
  command: 'explain <query..>',
  describe: 'Explain an error code, symbolic name or message words from the catalogs',
  builder: (y: Argv<object>) =>
    y
      .positional('query', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: 'A code (-2326, 209, 111), a name (License_Expired) or message words (token expired)',
      })
      .option('vendor', { type: 'string', requiresArg: true, describe: 'Only this vendor (dls, dwt, qlm, pallycon, …)' })
      .option('json', { type: 'boolean', describe: 'Print a JSON array of the matching entries' })
      .example('$0 explain -2326', 'a DWT code')
      .example('$0 explain 111 --vendor dls', 'a DLS original code → -20111')
      .example('$0 explain 2001 --json', 'every vendor that uses 2001, as JSON')
      .example('$0 explain EServerErrorCode.License_Expired', 'a QLM enum name')
      .example('$0 explain token expired', 'message words') as unknown as Argv<ExplainArgs>,
  handler: (argv) => {
    const set = catalogsFromArgv(argv);
    if (argv.vendor !== undefined) requireVendor(set, argv.vendor);
    const query = argv.query.map(String).join(' ');
    const matches = lookup(set, query, argv.vendor !== undefined ? { vendor: argv.vendor } : {});
    if (matches.length === 0) {
      const n = /^\d+$/.test(query.trim()) ? -Number(query.trim()) : undefined;
      const neg = n === undefined ? [] : lookup(set, String(n), argv.vendor !== undefined ? { vendor: argv.vendor } : {});
      throw new ErrscanError('ERRSCAN_NOT_FOUND', `no catalog entry matches "${query}"${argv.vendor ? ` for vendor ${argv.vendor}` : ''}`, {
        hint:
          neg.length > 0
            ? `did you mean ${n} (${neg.map((m) => m.entry.vendor).join(', ')})?`
            : 'try a code like -2326, a name like License_Expired, or words from the message',
      });
    }
    if (argv.json) {
      process.stdout.write(`${JSON.stringify(matches.map((m) => entryOut(set, m.entry)), null, 2)}\n`);
      return;
    }
    const how: Record<string, string> = {
      code: 'by code',
      range: 'by a range rule',
      original: 'by DLS original code',
      name: 'by name',
      words: 'by message words',
    };
    const head =
      matches.length === 1
        ? `1 entry matches "${query}" ${how[matches[0]!.via]}:`
        : `${matches.length} entries match "${query}" ${how[matches[0]!.via]}:`;
    const blocks = matches.map((m) => entryText(set, m.entry));
    process.stdout.write(`${head}\n\n${blocks.join('\n\n')}\n`);
  },
};
