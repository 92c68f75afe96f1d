// Runs test/hardening/adversarial.mjs (the built extractor over adversarial lines of nearly 1 MiB) in a
// child process with a watchdog, so a catastrophic case fails naming the line instead of hanging.
import { spawn } from 'node:child_process';
import path from 'node:path';
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
