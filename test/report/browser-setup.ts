// Vitest global setup: the HTML report's browser test needs Debian's Chromium. .ci/run installs it; so that
// `npm install && npm test` also passes on a fresh machine, a root user with apt-get gets it installed here
// once (ERRSCAN_NO_BROWSER_INSTALL=1 turns that off). Otherwise the browser test fails and says how to install.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

const CHROMIUM = '/usr/bin/chromium';

export default function setup(): void {
  if (fs.existsSync(CHROMIUM) || process.env.ERRSCAN_NO_BROWSER_INSTALL) return;
  if (process.getuid?.() !== 0 || !fs.existsSync('/usr/bin/apt-get')) return;
  process.stderr.write(`errscan tests: ${CHROMIUM} is missing; installing Debian's chromium for the HTML report test (once)\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    execFileSync('apt-get', ['update'], { stdio: ['ignore', 'ignore', 'inherit'], env });
    execFileSync('apt-get', ['install', '-y', 'chromium'], { stdio: ['ignore', 'ignore', 'inherit'], env });
  } catch (e) {
    process.stderr.write(`errscan tests: could not install chromium (${(e as Error).message}); the browser test will fail\n`);
  }
}
