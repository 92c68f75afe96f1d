// kill -9 at random moments during `errscan scan --follow` with the database, while a writer appends a
// log in random pieces (not line-aligned) and, in some trials, rotates it by rename. After the restarts
// and the writer's end, the database holds exactly what genlog wrote: per code, and per hour bucket
// (labels may differ: after a restart a rotated file is seen under its new name). Seeded; seed printed.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chaosSeed, cleanup, dbBuckets, dbTotals, errscan, genlog, integrityOk, rng, sleep, start, sum, tmpDir, waitFor, type Proc, type Totals } from '../hardening/helpers.js';

const TRIALS = 8;
const seed = chaosSeed('crash-follow');
const random = rng(seed);

let dir: string;
let content: Buffer;
let expected: Totals;
let refBuckets: Totals;
const figures = { trials: 0, kills: 0, rotations: 0, idleRestarts: 0, lost: 0, doubled: 0 };

beforeAll(() => {
  dir = tmpDir('chaos-follow');
  const g = genlog(path.join(dir, 'content.log'), { mb: 4, seed: (seed % 1000) + 7 });
  content = fs.readFileSync(g.file);
  expected = g.counts;
  const ref = path.join(dir, 'ref.db');
  expect(errscan(['ingest', g.file, '--db', ref, '--quiet']).status).toBe(0);
  expect(dbTotals(ref)).toEqual(expected);
  refBuckets = dbBuckets(ref);
});

afterAll(() => {
  console.log(`[crash-follow] figures ${JSON.stringify(figures)}`);
  cleanup(dir);
});

describe(`kill -9 during scan --follow (${TRIALS} trials)`, () => {
  for (let t = 1; t <= TRIALS; t++) {
    it(`trial ${t}: a growing (maybe rotated) log, killed at random, equals what was written`, async () => {
      const d = path.join(dir, `t${t}`);
      fs.mkdirSync(d);
      const log = path.join(d, 'app.log');
      const db = path.join(d, 'follow.db');
      fs.writeFileSync(log, '');
      const rotateAt = random() < 0.5 ? content.indexOf(10, Math.floor(content.length * (0.3 + 0.4 * random()))) + 1 : -1;
      const kills = 1 + Math.floor(random() * 2);
      const killAt = Array.from({ length: kills }, () => Math.floor(content.length * (0.05 + 0.9 * random()))).sort((a, b) => a - b);
      const follow = (): Proc => start(['scan', '--follow', path.join(d, 'app.log*'), '--db', db, '--quiet'], { ignoreStdout: true });

      let p = follow();
      let written = 0;
      let current = log;
      while (written < content.length) {
        let n = 4096 + Math.floor(random() * 60_000);
        if (rotateAt > written && written + n > rotateAt) n = rotateAt - written;
        n = Math.min(n, content.length - written);
        fs.appendFileSync(current, content.subarray(written, written + n));
        written += n;
        if (written === rotateAt) {
          fs.renameSync(log, `${log}.1`);
          fs.writeFileSync(log, '');
          current = log;
          figures.rotations++;
        }
        if (killAt.length > 0 && written >= killAt[0]!) {
          killAt.shift();
          p.kill('SIGKILL');
          await p.exited;
          figures.kills++;
          if (fs.existsSync(db)) expect(integrityOk(db)).toBe(true);
          // The log goes on growing while errscan is down.
          const gap = Math.floor(random() * 400);
          const until = Date.now() + gap;
          while (Date.now() < until && written < content.length) {
            const m = Math.min(8192, content.length - written, rotateAt > written ? rotateAt - written : Infinity);
            fs.appendFileSync(current, content.subarray(written, written + m));
            written += m;
            await sleep(5);
          }
          p = follow();
        }
        await sleep(5 + Math.floor(random() * 10));
      }
      const total = sum(expected);
      try {
        await waitFor(() => fs.existsSync(db) && sum(dbTotals(db)) >= total, 60_000, `all ${total} hits to be committed`, 100);
      } finally {
        p.kill('SIGTERM');
      }
      const exit = await p.exited;
      expect(exit.status, exit.stderr).toBe(0);
      let totals = dbTotals(db);
      for (const [key, n] of Object.entries(expected)) {
        const got = totals[key] ?? 0;
        if (got < n) figures.lost += n - got;
        if (got > n) figures.doubled += got - n;
      }
      expect(totals).toEqual(expected);
      expect(dbBuckets(db)).toEqual(refBuckets);
      // A restart with nothing new adds nothing.
      if (random() < 0.5) {
        const again = follow();
        await sleep(1500);
        again.kill('SIGTERM');
        expect((await again.exited).status).toBe(0);
        totals = dbTotals(db);
        expect(totals).toEqual(expected);
        figures.idleRestarts++;
      }
      figures.trials++;
    });
  }
});
