import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, errscan } from '../helpers/cli.js';

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

/** rolldown.config.mjs, which has no types. */
const bundlerConfig = (): Promise<unknown> => import(pathToFileURL(path.join(ROOT, 'rolldown.config.mjs')).href);

describe('start-up', () => {
  it("skips yargs' help rendering as a command starts (the hook it patches is still there)", async () => {
    const { buildCli } = await import('../../src/cli/cli.js');
    const usage = (buildCli(['explain', '209']) as unknown as { getInternalMethods(): { getUsageInstance(): { cacheHelpMessage(): void; hasCachedHelpMessage(): boolean } } })
      .getInternalMethods()
      .getUsageInstance();
    usage.cacheHelpMessage();
    expect(usage.hasCachedHelpMessage()).toBe(false);
  });

  it('builds no Intl.Segmenter (ICU data, ~25 ms) unless help text is laid out', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'errscan-seg-'));
    const hook = path.join(dir, 'count.mjs');
    fs.writeFileSync(
      hook,
      `let n = 0; const S = Intl.Segmenter; Intl.Segmenter = function (...a) { n++; return new S(...a); };
       process.on('exit', () => process.stderr.write('segmenters=' + n + '\\n'));`,
    );
    try {
      const count = (args: string[]): string | undefined => /segmenters=(\d+)/.exec(errscan(args, { env: { NODE_OPTIONS: `--import=${hook}` } }).stderr)?.[1];
      expect(count(['--version'])).toBe('0');
      expect(count(['explain', '209'])).toBe('0');
      // The stand-in still builds one when help is laid out.
      expect(Number(count(['--help']))).toBeGreaterThan(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ships no regex literal that makes V8 build emoji sets as it parses (lazy-icu in rolldown.config.mjs)', async () => {
    const { STRING_PROPERTIES, STRING_PROPERTY_REGEX } = (await bundlerConfig()) as { STRING_PROPERTIES: RegExp; STRING_PROPERTY_REGEX: RegExp };
    const bin = path.join(ROOT, 'dist/bin');
    const found: string[] = [];
    for (const f of fs.readdirSync(bin).filter((n) => n.endsWith('.js'))) {
      for (const m of fs.readFileSync(path.join(bin, f), 'utf8').matchAll(STRING_PROPERTY_REGEX)) {
        if (STRING_PROPERTIES.test(m[1]!)) found.push(`${f}: ${m[0]}`);
      }
    }
    expect(found).toEqual([]);
  });

  it('starts a command without the glob and JSON-array libraries (loaded when a directory, pattern or array needs them)', () => {
    const bin = path.join(ROOT, 'dist/bin');
    const read = (f: string): string => fs.readFileSync(path.join(bin, f), 'utf8');
    // The entry's static imports, and the CLI chunk it imports at once, with theirs.
    const cli = /import\(`\.\/(cli-[^`]+\.js)`\)/.exec(read('errscan.js'))?.[1];
    expect(cli).toBeDefined();
    const loaded = new Set<string>();
    const visit = (f: string): void => {
      if (loaded.has(f)) return;
      loaded.add(f);
      for (const m of read(f).matchAll(/from\s*["'`]\.\/([^"'`]+\.js)["'`]/g)) visit(m[1]!);
    };
    visit('errscan.js');
    visit(cli!);
    // Chunks without a map (rolldown's runtime helpers) hold no package code.
    const maps = [...loaded].filter((f) => fs.existsSync(path.join(bin, `${f}.map`)));
    const sources = maps.flatMap((f) => (JSON.parse(read(`${f}.map`)) as { sources: string[] }).sources);
    expect(sources.some((s) => s.includes('/yargs/'))).toBe(true);
    expect(sources.filter((s) => /node_modules\/(tinyglobby|picomatch|fdir|stream-json|stream-chain)\//.test(s))).toEqual([]);
  });

  it("lazy-icu's stand-in behaves as the object it builds on first use", async () => {
    const { lazy } = (await bundlerConfig()) as { lazy: (make: string) => string };
    let built = 0;
    const make = (src: string): any => new Function('count', `return ${lazy(`(count(), ${src})`)};`)(() => built++);
    const rgi = make(String.raw`new RegExp("^\\p{RGI_Emoji}$", "v")`);
    expect(built).toBe(0);
    expect(rgi.test('👍🏽')).toBe(true);
    expect(rgi.test('a')).toBe(false);
    expect(built).toBe(1);
    const g = make('/b/g');
    expect('abcb'.replace(g, 'x')).toBe('axcx');
    g.lastIndex = 2;
    expect(g.exec('abcb').index).toBe(3);
    expect(g.lastIndex).toBe(4);
    const seg = make('new Intl.Segmenter()');
    expect([...seg.segment('e\u0301x')].map((s: { segment: string }) => s.segment)).toEqual(['e\u0301', 'x']);
  });

  it('a command that fails after it started prints one line, no help', () => {
    const r = errscan(['report', '--db', '/nonexistent/dir/x.db']);
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
