// Every CLI command, in the order `errscan --help` lists them.
import type { CommandModule } from 'yargs';
import { scanCommand } from './scan.js';
import { explainCommand } from './explain.js';
import { catalogCommand } from './catalog.js';
import { dbCommand } from './db.js';
import { ingestCommand } from './ingest.js';
import { reportCommand } from './report.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<any, any>[] = [
  scanCommand,
  explainCommand,
  catalogCommand,
  ingestCommand,
  dbCommand,
  reportCommand,
];
