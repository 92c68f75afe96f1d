// The errscan CLI: a thin yargs layer over the stages in src/ (main.ts is the entry point).
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { createRequire } from 'node:module';
import os from 'node:os';
import { ErrscanError, isErrscanError } from '../errors.js';
import { commands } from './commands/index.js';

const require = createRequire(import.meta.url);
const { version } = require('../../package.json') as { version: string };

/** A host label: one line of printable text, at most 255 characters. */
export function checkHost(value: unknown): string {
  const v = Array.isArray(value) ? value[value.length - 1] : value;
  const s = typeof v === 'string' ? v.trim() : String(v ?? '');
  // eslint-disable-next-line no-control-regex
  if (s === '' || s.length > 255 || /[\u0000-\u001f\u007f]/.test(s)) {
    throw new ErrscanError('ERRSCAN_USAGE', `--host must be a name of 1 to 255 printable characters, got ${JSON.stringify(String(v ?? ''))}`, {
      hint: 'e.g. --host web-1, or set $ERRSCAN_HOST',
    });
  }
  return s;
}

export function buildCli(argv: string[]): Argv {
  let cli = yargs(argv)
    .scriptName('errscan')
    .usage('$0 [command] [options]\n\nFind, explain and count vendor license/DRM error codes in logs.\nWith no command, `errscan` scans standard input.')
    .option('catalog', {
      type: 'string',
      array: true,
      description: 'Extra catalog file or directory (repeatable; also $ERRSCAN_CATALOGS, colon-separated)',
      global: true,
      requiresArg: true,
      // one value per flag: otherwise `--catalog x.json explain 209` swallows the command
      nargs: 1,
    })
    .option('db', {
      type: 'string',
      description: 'Database path (default $ERRSCAN_DB, else ~/.local/share/errscan/errscan.db)',
      global: true,
      requiresArg: true,
    })
    .option('host', {
      type: 'string',
      description: 'Label for every count this run writes, so one database can hold a fleet (default $ERRSCAN_HOST, else the hostname)',
      global: true,
      requiresArg: true,
    })
    .middleware((argv) => {
      // Through the environment, so every store this process (and its worker threads) opens writes under it.
      process.env.ERRSCAN_HOST = checkHost(argv.host ?? process.env.ERRSCAN_HOST ?? os.hostname());
    })
    .option('color', {
      type: 'boolean',
      description: 'Colour output (default: on for a TTY unless NO_COLOR is set)',
      global: true,
    })
    .option('quiet', { alias: 'q', type: 'boolean', description: 'No summary or progress on stderr', global: true })
    .strict()
    .recommendCommands()
    .version(version)
    .alias('version', 'V')
    .help()
    .alias('help', 'h')
    .wrap(Math.min(110, process.stdout.columns || 100))
    .epilogue('Exit status: 0 ok, 1 nothing found or runtime failure, 2 usage or configuration error, 3 report alert.')
    .fail((msg, err) => {
      if (err) throw err;
      throw new ErrscanError('ERRSCAN_USAGE', msg ?? 'invalid usage', { hint: 'see errscan --help' });
    });
  for (const c of commands) cli = cli.command(c);
  skipHelpCache(cli);
  return cli;
}

/**
 * yargs renders the whole help text as each named command starts (~35 ms of every run's start-up), in case
 * the command later fails through yargs. errscan never shows that text: its `fail` throws, and a usage error
 * prints the help of a fresh instance. The hook is internal to yargs, hence the checks: without it, nothing
 * changes but the time.
 */
function skipHelpCache(cli: Argv): void {
  const internal = cli as unknown as { getInternalMethods?: () => { getUsageInstance?: () => Record<string, unknown> } };
  const usage = internal.getInternalMethods?.().getUsageInstance?.();
  if (usage && typeof usage.cacheHelpMessage === 'function') usage.cacheHelpMessage = (): void => undefined;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildCli(argv).parseAsync();
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (e) {
    if (isErrscanError(e)) {
      if (e.code === 'ERRSCAN_USAGE') {
        buildCli([]).showHelp((s) => process.stderr.write(`${s}\n\n`));
      }
      process.stderr.write(`${e.oneLine()}\n`);
      return e.exitCode;
    }
    const err = e as NodeJS.ErrnoException;
    if (err?.code === 'EPIPE') return 0;
    process.stderr.write(`errscan: internal error: ${err?.message ?? String(e)} (please report this with the command you ran)\n`);
    if (process.env.ERRSCAN_DEBUG) process.stderr.write(`${err?.stack ?? ''}\n`);
    return 1;
  }
}

/** Runs the command line of this process. */
export async function run(): Promise<void> {
  process.exitCode = await main(hideBin(process.argv));
}
