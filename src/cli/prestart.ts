// What `errscan ingest` decides before the CLI is loaded: whether a named file is big enough for byte
// ranges, and on how many threads. The entry point uses it to start those threads first, so they load
// while yargs and the pipeline do (reading starts ~0.1 s sooner); ingest.ts makes the same decisions later.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ErrscanError } from '../errors.js';
import { prestartWorkers, type WorkerPrepare } from '../pipeline/pool.js';

/** Files of at least this size are read over byte ranges on several threads ($ERRSCAN_PARALLEL_MIN: tests). */
export function parallelMinBytes(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.ERRSCAN_PARALLEL_MIN);
  return Number.isSafeInteger(n) && n > 0 ? n : 64 * 1024 * 1024;
}

/** Reading threads: --threads, else $ERRSCAN_THREADS, else the available cores (at most 4). */
export function threadCount(requested: number | undefined, env: NodeJS.ProcessEnv = process.env): number {
  const e = env.ERRSCAN_THREADS;
  const want = requested ?? (e !== undefined && e !== '' ? Number(e) : Math.min(4, os.availableParallelism()));
  if (!Number.isSafeInteger(want) || want < 1) {
    throw new ErrscanError('ERRSCAN_USAGE', `--threads must be a whole number of at least 1, got ${String(want)}`);
  }
  return want;
}

/** A regular file (not a directory or glob) big enough for byte ranges. */
export function bigFile(p: string, env: NodeJS.ProcessEnv = process.env): boolean {
  try {
    const st = fs.statSync(path.resolve(p));
    return st.isFile() && st.size >= parallelMinBytes(env);
  } catch {
    return false;
  }
}

/** Global options that take a value (`--db x ingest …`): skipped when looking for the command. */
const VALUED = new Set(['--catalog', '--db', '--host']);

/**
 * How many reading threads `errscan [globals] ingest … BIG_FILE …` will want, from the raw arguments
 * (undefined for any other command line), and the big file they may prepare on (`prepare`: see
 * WorkerPrepare) when the run uses only the catalogs a thread finds itself: no `--catalog`. Only a guess: a
 * wrong one costs a thread start (unused threads are stopped, missing ones started later), and anything
 * unusual (help, a bad --threads) is left to the CLI.
 */
export function prestartPlan(args: readonly string[], env: NodeJS.ProcessEnv = process.env): { threads: number; prepare: WorkerPrepare | undefined } | undefined {
  let i = 0;
  while (i < args.length && args[i]!.startsWith('-')) i += VALUED.has(args[i]!) ? 2 : 1;
  if (args[i] !== 'ingest') return undefined;
  const rest = args.slice(i + 1);
  if (rest.some((a) => a === '--help' || a === '-h' || a === '--version' || a === '-V')) return undefined;
  let requested: number | undefined;
  rest.forEach((a, k) => {
    if (a === '--threads') requested = Number(rest[k + 1]);
    else if (a.startsWith('--threads=')) requested = Number(a.slice('--threads='.length));
  });
  let threads: number;
  try {
    threads = threadCount(requested, env);
  } catch {
    return undefined;
  }
  const big = threads > 1 ? rest.find((a) => !a.startsWith('-') && bigFile(a, env)) : undefined;
  if (big === undefined) return undefined;
  const ownCatalogs = !args.some((a) => a === '--catalog' || a.startsWith('--catalog='));
  return { threads, prepare: ownCatalogs ? { file: path.resolve(big) } : undefined };
}

/** Starts the reading threads an `ingest` of a big file will want, before the CLI loads. */
export function prestart(args: readonly string[], env: NodeJS.ProcessEnv = process.env): void {
  const plan = prestartPlan(args, env);
  if (plan) prestartWorkers(plan.threads, plan.prepare);
}
