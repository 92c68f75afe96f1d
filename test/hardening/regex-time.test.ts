// Per-line extraction time is bounded, because lines are (--max-line, 1 MiB by default): adversarial
// lines of nearly that length, aimed at every shipped pattern and at the catalog messages' wildcards,
// each finish well within a generous bound. They run in a child process with a watchdog, so a
// catastrophic case fails the test (naming the line) instead of hanging it. test/chaos runs every sample.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

/** Generous: a healthy 1 MiB line takes well under 0.5 s even on a busy machine. */
export const PER_LINE_MS = 5000;
const WATCHDOG_MS = 20_000;

export interface LineTime {
  name: string;
  ms: number;
  hits: number;
  length: number;
}

/** Runs test/hardening/adversarial.mjs; rejects naming the line that was running when the watchdog fired. */
export function adversarial(mode: 'fast' | 'full'): Promise<LineTime[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'test/hardening/adversarial.mjs'), mode], { stdio: ['ignore', 'pipe', 'pipe'] });
    const done: LineTime[] = [];
    let current = '(start-up)';
    let buf = '';
    let stderr = '';
    let timer: NodeJS.Timeout;
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`extract() did not finish the adversarial line "${current}" within ${WATCHDOG_MS} ms (after ${done.length} lines)`));
      }, WATCHDOG_MS);
    };
    arm();
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      buf += s;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const msg = JSON.parse(buf.slice(0, nl)) as LineTime & { start?: string };
        buf = buf.slice(nl + 1);
        if (msg.start !== undefined) {
          current = msg.start;
          arm();
        } else done.push(msg);
      }
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(done);
      else reject(new Error(`adversarial.mjs exited ${code} at "${current}": ${stderr}`));
    });
  });
}

describe('per-line regex time', () => {
  it(`every adversarial 1 MiB line (each shipped pattern, placeholder messages, many codes) takes < ${PER_LINE_MS} ms`, async () => {
    const times = await adversarial('fast');
    expect(times.length).toBeGreaterThanOrEqual(100);
    for (const t of times) expect(t.length).toBeGreaterThan(1024 * 1024 - 100);
    const slow = times.filter((t) => t.ms >= PER_LINE_MS).map((t) => `${t.name}: ${t.ms} ms`);
    expect(slow).toEqual([]);
  }, 300_000);
});
