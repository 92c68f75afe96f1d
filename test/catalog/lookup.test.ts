import { describe, expect, it } from 'vitest';
import { loadCatalogs } from '../../src/catalog/index.js';
import { lookup } from '../../src/catalog/lookup.js';

const set = loadCatalogs({ env: {} });
const ids = (q: string, vendor?: string): string[] =>
  lookup(set, q, vendor ? { vendor } : {}).map((m) => `${m.entry.vendor}:${m.entry.code}/${m.via}`);

describe('lookup', () => {
  it('finds codes in every vendor, exact matches first', () => {
    expect(ids('-2326')).toEqual(['dwt:-2326/code']);
    expect(ids('209')).toEqual(['qlm:209/code']);
    expect(ids('2001')).toEqual(['pallycon:2001/code', 'qlm:2001/code']);
    expect(ids('−20111')).toEqual(['dls:-20111/code']);
    expect(ids('0')).toEqual(['dwt:0/code', 'qlm:0/code']);
  });

  it('falls back to range rules, then DLS original codes', () => {
    expect(ids('-20200')).toEqual(['dwt:-3000/range']);
    expect(ids('111')).toEqual(['dls:-20111/original']);
    expect(ids('100')).toEqual(['qlm:100/code']);
    expect(ids('100', 'dls')).toEqual(['dls:-20100/original']);
    expect(ids('111', 'dls')).toEqual(['dls:-20111/original']);
    expect(ids('2326')).toEqual([]);
  });

  it('finds symbolic names, qualified or not, exact case first', () => {
    expect(ids('License_Expired')).toEqual(['qlm:209/name']);
    expect(ids('EServerErrorCode.License_Expired')).toEqual(['qlm:209/name']);
    expect(ids('license_expired')).toEqual(['qlm:209/name']);
    expect(ids('No Error')).toEqual(['qlm:0/name']);
    expect(ids('License_Expired', 'dwt')).toEqual([]);
  });

  it('searches message words over messages and alternates, best coverage first', () => {
    expect(ids('token expired')).toEqual(['pallycon:7011/words']);
    expect(ids('TOKEN EXPIRED.')).toEqual(['pallycon:7011/words']);
    expect(ids('user cancelled')).toEqual(['dwt:-1032/words', 'dwt:-2305/words', 'dwt:-2615/words']);
    // an alternate of DLS -20111 is exactly these words; QLM 209 adds one; QLM 228 merely contains them
    expect(ids('license has expired')).toEqual(['dls:-20111/words', 'qlm:209/words', 'qlm:228/words']);
    expect(ids('deploymenttype')).toEqual(['dls:-20108/words']);
    expect(ids('cancel', 'dwt')).toEqual(['dwt:-2303/words', 'dwt:-1032/words', 'dwt:-2305/words', 'dwt:-2615/words']);
    expect(ids('no such words anywhere')).toEqual([]);
  });
});
