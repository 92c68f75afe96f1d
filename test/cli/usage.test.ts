import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { errscan } from '../helpers/cli.js';

const require = createRequire(import.meta.url);
const pkg = require('../../package.json') as { version: string };

describe('CLI usage', () => {
  it('prints help with exit 0', () => {
    const r = errscan(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('errscan [command] [options]');
    expect(r.stdout).toContain('Exit status: 0 ok');
  });

  it('prints the package version', () => {
    const r = errscan(['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it('rejects an unknown command with usage on stderr and exit 2', () => {
    const r = errscan(['frobnicate', '--no-such-flag']);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('errscan [command] [options]');
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(/^errscan: Unknown arguments?: /);
  });
});

describe('start-up', () => {
  it("skips yargs' help rendering as a command starts (the hook it patches is still there)", async () => {
    const { buildCli } = await import('../../src/cli/cli.js');
    const usage = (buildCli(['explain', '209']) as unknown as { getInternalMethods(): { getUsageInstance(): { cacheHelpMessage(): void; hasCachedHelpMessage(): boolean } } })
      .getInternalMethods()
      .getUsageInstance();
    usage.cacheHelpMessage();
    expect(usage.hasCachedHelpMessage()).toBe(false);
  });

  it('a command that fails after it started prints one line, no help', () => {
    const r = errscan(['report', '--db', '/nonexistent/dir/x.db']);
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
