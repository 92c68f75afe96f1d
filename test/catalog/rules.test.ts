import { describe, expect, it } from 'vitest';
import { categoryFor, humanizeName, normalizeSection, severityFor } from '../../src/catalog/rules.js';

describe('category rules', () => {
  it('normalizes vendor section headings', () => {
    expect(normalizeSection('REQUEST ERRORS')).toBe('request');
    expect(normalizeSection('**DB CONNECTION ERRORS**')).toBe('db connection');
    expect(normalizeSection('PRODUCT PROPERIES ERRORS')).toBe('product properties');
    expect(normalizeSection('OTHERS')).toBe('others');
  });
  it('uses documented code ranges', () => {
    expect(categoryFor('dwt', -1018, undefined)).toBe('file system');
    expect(categoryFor('dwt', -1020, undefined)).toBe('twain source');
    expect(categoryFor('dwt', -1100, undefined)).toBe('image format');
    expect(categoryFor('dwt', -2137, undefined)).toBe('network');
    expect(categoryFor('dwt', -2326, undefined)).toBe('product key');
    expect(categoryFor('dwt', -2308, undefined)).toBe('service connection');
    expect(categoryFor('dwt', -99999, undefined)).toBe('other');
    expect(categoryFor('dls', -20111, undefined)).toBe('license validity');
    expect(categoryFor('dls', -20151, undefined, 151)).toBe('device');
    expect(categoryFor('pallycon', 7011, undefined)).toBe('token');
    expect(categoryFor('pallycon', 8711, undefined)).toBe('playback policy');
    expect(categoryFor('pallycon', 8705, undefined)).toBe('callback');
    expect(categoryFor('acme', 5, 'LICENSE ERRORS')).toBe('license');
    expect(categoryFor('acme', 5, undefined)).toBe('general');
    expect(categoryFor('acme', 0, 'X')).toBe('success');
  });
});

describe('severity rule', () => {
  it('ranks info, critical, warning, then error', () => {
    expect(severityFor(['Successful'], true)).toBe('info');
    expect(severityFor(['User cancelled the operation'], false)).toBe('info');
    expect(severityFor(['DB connection failed.'], false)).toBe('critical');
    expect(severityFor(['Failed to communicate with Widevine license server.'], false)).toBe('critical');
    expect(severityFor(['The Dynamsoft Service is not ready, please try again later.'], false)).toBe('warning');
    expect(severityFor(['License has expired.'], false)).toBe('error');
    // any wording counts
    expect(severityFor(['Odd wording', 'DLS refuses to provide service while under construction.'], false)).toBe('critical');
  });
  it('humanizes names', () => {
    expect(humanizeName('RequestBlocked_Error')).toBe('Request blocked error');
    expect(humanizeName('DB_Connection_Failed')).toBe('DB connection failed');
  });
});
