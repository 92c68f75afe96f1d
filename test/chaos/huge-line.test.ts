// A 1 GiB line, streamed into errscan through a pipe (never written to disk), as text, as a JSON line
// and as a JSON array element: skipped and counted as oversized, the records around it still counted,
// and peak memory stays bounded. The filler is made of hit-like text, so the prefilter fires everywhere.
import { describe, expect, it } from 'vitest';
import { expectNoStack, start, summaryOf, totalsOfJson } from '../hardening/helpers.js';

const GiB = 1024 * 1024 * 1024;
const RSS_LIMIT_KIB = 300 * 1024;

async function stream(head: string, fillerPrefix: string, tail: string, args: string[] = []): Promise<{ status: number | null; stdout: string; stderr: string; fedMs: number }> {
  const p = start(['scan', '--no-db', '--json', ...args, '-']);
  const stdin = p.child.stdin!;
  const write = (b: Buffer | string): Promise<void> => new Promise((resolve) => (stdin.write(b) ? resolve() : stdin.once('drain', () => resolve())));
  const block = Buffer.alloc(1024 * 1024, 'ErrorCode=-2326 DWT PallyCon error 7011 License_Expired (209) ');
  const t0 = Date.now();
  await write(head + fillerPrefix);
  for (let sent = 0; sent < GiB; sent += block.length) await write(block);
  await write(tail);
  stdin.end();
  const fedMs = Date.now() - t0;
  const exit = await p.exited;
  return { ...exit, fedMs };
}

const rec = (code: number): string => JSON.stringify({ time: '2026-11-20T10:00:00Z', pallycon: { errorCode: String(code) } });

describe('a 1 GiB line', () => {
  it('text: skipped as oversized, the lines around it counted, memory bounded', async () => {
    const r = await stream(
      '2026-11-20T10:00:00Z ERROR [webtwain] AcquireImage failed: ErrorCode=-2326\n',
      '',
      '\n2026-11-20T10:00:01Z ERROR [webtwain] AcquireImage failed: ErrorCode=-2342\n',
    );
    expect(r.status, r.stderr).toBe(0);
    expectNoStack(r.stderr);
    expect(totalsOfJson(r.stdout)).toEqual({ 'dwt:-2326': 1, 'dwt:-2342': 1 });
    const s = summaryOf(r.stderr);
    expect(s).toMatchObject({ lines: 3, oversized: 1, hits: 2, errors: 0 });
    expect(s.bytes).toBeGreaterThan(GiB);
    expect(s.maxRssKiB).toBeLessThan(RSS_LIMIT_KIB);
    console.log(`[huge-line] text: 1 GiB fed in ${r.fedMs} ms, peak RSS ${Math.round(s.maxRssKiB / 1024)} MiB`);
  });

  it('JSON lines: the huge record is oversized, the others counted', async () => {
    const r = await stream(`${rec(7011)}\n`, '{"big":"', `"}\n${rec(7009)}\n`, ['--format', 'ndjson']);
    expect(r.status, r.stderr).toBe(0);
    expect(totalsOfJson(r.stdout)).toEqual({ 'pallycon:7011': 1, 'pallycon:7009': 1 });
    const s = summaryOf(r.stderr);
    expect(s).toMatchObject({ lines: 3, oversized: 1, hits: 2, errors: 0 });
    expect(s.maxRssKiB).toBeLessThan(RSS_LIMIT_KIB);
    console.log(`[huge-line] ndjson: peak RSS ${Math.round(s.maxRssKiB / 1024)} MiB`);
  });

  it('a JSON array element: oversized, the elements around it counted', async () => {
    const r = await stream(`[${rec(7011)},`, '{"big":"', `"},${rec(1003)}]`);
    expect(r.status, r.stderr).toBe(0);
    expect(totalsOfJson(r.stdout)).toEqual({ 'pallycon:7011': 1, 'pallycon:1003': 1 });
    const s = summaryOf(r.stderr);
    expect(s).toMatchObject({ lines: 3, oversized: 1, hits: 2, errors: 0 });
    expect(s.maxRssKiB).toBeLessThan(RSS_LIMIT_KIB);
    console.log(`[huge-line] json array: peak RSS ${Math.round(s.maxRssKiB / 1024)} MiB`);
  });
});
