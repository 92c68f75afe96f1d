// Runs the built binary the way a user does, with a fixed zone and no colour.
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = path.join(ROOT, 'dist/bin/errscan.js');

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function errscan(args: string[], opts: SpawnSyncOptions & { input?: string | Buffer } = {}): RunResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
    ...opts,
    env: { ...process.env, TZ: 'UTC', NO_COLOR: '1', ...(opts.env ?? {}) },
  });
  return { status: r.status, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
}
