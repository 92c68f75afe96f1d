// eventJson caches the catalog half of an event's JSON per code: its output must stay exactly
// JSON.stringify of the whole event, whatever the values (undefined, NaN, -0, odd strings, changed metadata).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eventJson } from '../../src/pipeline/print.js';
import type { ErrorEvent } from '../../src/types.js';

const whole = (e: ErrorEvent): string =>
  JSON.stringify({
    vendor: e.vendor,
    product: e.product,
    code: e.code,
    known: e.known,
    name: e.name,
    message: e.message,
    category: e.category,
    severity: e.severity,
    ts: e.ts,
    source: e.source,
    line: e.line,
    text: e.text,
  });

describe('eventJson', () => {
  it('is JSON.stringify of the event, for events that share codes and for odd values', () => {
    const v = fc.oneof(fc.string(), fc.constant(null), fc.constant(undefined), fc.integer(), fc.double(), fc.boolean());
    const event = fc.record({
      vendor: fc.oneof(fc.constantFrom('dwt', 'qlm'), v),
      product: fc.oneof(fc.constantFrom('Dynamic Web TWAIN', 'QLM'), v),
      code: fc.oneof(fc.constantFrom(-2326, 7011, 0, -0), v),
      known: fc.oneof(fc.boolean(), v),
      name: v,
      message: fc.oneof(fc.constantFrom('The "key" expired\n', null), v),
      category: v,
      severity: fc.oneof(fc.constantFrom('error', null), v),
      ts: fc.oneof(fc.constant('2026-11-22T10:00:00.000Z'), v),
      source: fc.oneof(fc.constant('app.log'), v),
      line: fc.oneof(fc.nat(), v),
      text: fc.oneof(fc.string({ unit: 'binary' }), v),
    }) as fc.Arbitrary<ErrorEvent>;
    fc.assert(
      fc.property(fc.array(event, { minLength: 1, maxLength: 20 }), (events) => {
        for (const e of events) expect(eventJson(e)).toBe(whole(e));
      }),
      { numRuns: 2000 },
    );
  });
});
