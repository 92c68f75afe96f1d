// Vitest global setup: a PostgreSQL server for the store tests. Uses $ERRSCAN_TEST_PG when set (CI starts
// one in .ci/run); otherwise starts a throwaway cluster with scripts/pg-test-cluster.sh and stops it at the
// end. When neither works, the PostgreSQL tests fail with the reason (they never skip silently).
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Connection URL of the test server, '' when there is none. */
    pgUrl: string;
    /** Why there is no server, '' when there is one. */
    pgError: string;
  }
}

const SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../scripts/pg-test-cluster.sh');

export default function setup(project: TestProject): (() => void) | undefined {
  const given = process.env.ERRSCAN_TEST_PG;
  if (given) {
    project.provide('pgUrl', given);
    project.provide('pgError', '');
    return undefined;
  }
  let out: string;
  try {
    // --watch-pid: a killed test run does not leave a server behind.
    out = execFileSync('bash', [SCRIPT, 'start', '--watch-pid', String(process.pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const stderr = String((e as { stderr?: unknown }).stderr ?? '').trim() || (e as Error).message;
    project.provide('pgUrl', '');
    project.provide('pgError', `no PostgreSQL server for the tests: ${stderr} (set ERRSCAN_TEST_PG=postgres://… or install PostgreSQL so scripts/pg-test-cluster.sh can start one)`);
    return undefined;
  }
  const url = /ERRSCAN_TEST_PG=(\S+)/.exec(out)?.[1] ?? '';
  const dir = /ERRSCAN_TEST_PG_DIR=(\S+)/.exec(out)?.[1] ?? '';
  project.provide('pgUrl', url);
  project.provide('pgError', url ? '' : `scripts/pg-test-cluster.sh printed no URL: ${out}`);
  return () => {
    if (dir) execFileSync('bash', [SCRIPT, 'stop', dir], { stdio: 'ignore' });
  };
}
