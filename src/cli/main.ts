#!/usr/bin/env node
// The errscan entry point. `ingest` of a big file starts its reading threads before the CLI (yargs and
// the pipeline, ~0.15 s) is loaded, so the two start-ups overlap; cli.ts does the rest.
import { prestart } from './prestart.js';

prestart(process.argv.slice(2));
const { run } = await import('./cli.js');
await run();
