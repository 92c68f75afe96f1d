// Shared by the ingest tests: a run as a child process, and what it has committed so far.
import { spawn } from 'node:child_process';
import Database from 'better-sqlite3';
import { BIN } from '../helpers/cli.js';

/** The highest checkpoint offset committed in `db`; 0 before there is one (no file or schema yet). */
export function committedOffset(db: string): number {
  try {
    const d = new Database(db, { readonly: true, fileMustExist: true });
    try {
      return (d.prepare('SELECT coalesce(max(offset), 0) AS o FROM sources').get() as { o: number }).o;
    } finally {
      d.close();
    }
  } catch {
    return 0;
  }
}

/** `errscan ARGS` as a child process: its exit code and stderr. */
export function spawnErrscan(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { env });
    let stderr = '';
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (code) => resolve({ code, stderr }));
  });
}
