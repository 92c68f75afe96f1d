// Behaviour of extract(): hits, vias, ordering, de-duplication, codes, names, messages and their rules.
import { describe, expect, it } from 'vitest';
import { loadCatalogs } from '../../src/catalog/index.js';
import { compileExtractor } from '../../src/extract/index.js';

const set = loadCatalogs();
const x = compileExtractor(set);
const keys = (line: string): string[] => x.extract(line).map((h) => `${h.vendor}:${h.code}`);

describe('extract', () => {
  it('returns vendor, code and the pattern id (or "message") that found it', () => {
    expect(x.extract('AcquireImage failed: ErrorCode=-2326 ErrorString="x"')).toEqual([{ vendor: 'dwt', code: -2326, via: 'errorcode-property' }]);
    expect(x.extract('The current product key has expired, please contact the site administrator')).toEqual([
      { vendor: 'dwt', code: -2326, via: 'message' },
    ]);
    expect(x.extract('PallyCon Error : Token is expired.(7011)')).toEqual([{ vendor: 'pallycon', code: 7011, via: 'error-paren' }]);
  });

  it('is cheap and empty for lines without anchors', () => {
    expect(x.extract('')).toEqual([]);
    expect(x.extract('GET /index.html 200 7011 -2326 209')).toEqual([]);
  });

  it('gives several hits per line in order of appearance, each vendor:code once', () => {
    expect(keys('PallyCon license error 7011 | DLS error -20111 | ErrorCode: -2308')).toEqual(['pallycon:7011', 'dls:-20111', 'dwt:-2308']);
    expect(keys('ErrorCode: -2326, again ErrorCode: -2326, ErrorString: The current product key has expired, please contact the site administrator')).toEqual([
      'dwt:-2326',
    ]);
  });

  it('never reports code 0 or success entries', () => {
    expect(keys('ErrorCode: 0 ErrorString: Successful.')).toEqual([]);
    expect(keys('QLM ServerErrorCode: 0')).toEqual([]);
    expect(keys('Successful')).toEqual([]);
  });

  it('keeps codes the catalog does not know (enrich marks them unknown)', () => {
    expect(keys('dynamsoft.webtwain.initiate.js:2 -2808 Failed to connect')).toEqual(['dwt:-2808']);
    expect(keys('[Attention(exceptionCode:-20200)] 123')).toEqual(['dls:-20200']);
    expect(keys('PallyConLicenseServerException: errorCode=7127')).toEqual(['pallycon:7127']);
    expect(keys('ErrorCode: -3012 ErrorString: Failed to save')).toEqual(['dwt:-3012']);
  });

  it('routes DLS codes found in DWT output to DLS', () => {
    expect(x.extract('ErrorCode: -20111')).toEqual([{ vendor: 'dls', code: -20111, via: 'errorcode-property' }]);
    expect(keys('ErrorCode: -20111 ErrorString: License has expired.')).toEqual(['dls:-20111']);
  });

  it('maps DLS original codes only where DLS is named', () => {
    expect(keys('DLS handshake check failed, code 111')).toEqual(['dls:-20111']);
    expect(keys('Dynamsoft License Server: error code: 104')).toEqual(['dls:-20104']);
    expect(keys('handshake check failed, code 111')).toEqual([]);
    expect(keys('DLS error code 110')).toEqual([]);
    expect(keys('DLS connect error 111: Connection refused')).toEqual([]);
  });

  it('maps QLM enum names to numbers', () => {
    expect(keys('ActivateLicense failed: License_Expired (209)')).toEqual(['qlm:209']);
    expect(keys('err = EServerErrorCode.License_Expired')).toEqual(['qlm:209']);
    expect(keys('result: License_NoMoreActivations')).toEqual(['qlm:210']);
    expect(keys('QLM: Customer_NotFound')).toEqual(['qlm:1904']);
    // Every underscored name maps alone; the word-like ones and the generic DB_* constants need QLM context.
    expect(keys('Customer_NotFound')).toEqual(['qlm:1904']);
    expect(keys('Email_Error')).toEqual(['qlm:2100']);
    expect(keys('Customer_Error')).toEqual([]);
    expect(keys('DB_Connection_Failed')).toEqual([]);
    expect(keys('QLM: DB_Connection_Failed')).toEqual(['qlm:2000']);
    expect(keys('Customer_NotFoundException')).toEqual([]);
    expect(keys('License_Error')).toEqual([]);
    expect(keys('LICENSE_EXPIRED')).toEqual([]);
  });
});

describe('message matching', () => {
  it('is case-, whitespace- and trailing-punctuation-insensitive', () => {
    expect(keys('THE CURRENT PRODUCT KEY HAS EXPIRED,  please\tcontact the site administrator.')).toEqual(['dwt:-2326']);
    expect(keys('the current product key has expired , please contact the site administrator!!')).toEqual(['dwt:-2326']);
  });

  it('matches alternates, and a message without its trailing "(detail)"', () => {
    expect(keys('Cloned device detected. (Dynamsoft)')).toEqual(['dls:-20151']);
    expect(keys('DRM device certificate revoked from Widevine DRM Proxy')).toEqual(['pallycon:7110']);
  });

  it('needs vendor context for generic wordings, and fires alone for distinctive ones', () => {
    expect(keys('File not found')).toEqual([]);
    expect(keys('DWTObject.ErrorString: File not found')).toEqual(['dwt:-1018']);
    expect(keys('Token is expired.')).toEqual([]);
    expect(keys('PallyCon: Token is expired.')).toEqual(['pallycon:7011']);
    expect(keys('Failed to communicate with PlayReady license server.')).toEqual(['pallycon:7202']);
  });

  it('takes a code written next to its own message (a pair) as that code', () => {
    expect(x.extract('Token is expired. (7011)')).toEqual([{ vendor: 'pallycon', code: 7011, via: 'message' }]);
    // The pair is PallyCon context too, so the context-number pattern finds the same code (a pattern id wins as via).
    expect(x.extract('Error 7011 (Token is Expired)')).toEqual([{ vendor: 'pallycon', code: 7011, via: 'context-number' }]);
    expect(keys('{"errorCode":"7016","message":"Invalid token."}')).toEqual(['pallycon:7016']);
    expect(keys('{"errorCode":"7016","message":"Token is expired."}')).toEqual([]);
  });

  it('lets a code outrank its vendor\'s message text', () => {
    expect(keys('{"code": -2800, "message": "The current product key is empty or invalid, please contact the site administrator"}')).toEqual([
      'dwt:-2800',
    ]);
  });

  it('claims no code for a wording several codes share, unless the code is next to it', () => {
    expect(keys('DWObject.ErrorString: User cancelled the operation')).toEqual([]);
    expect(keys('DWObject failure: -2615 User cancelled the operation.')).toEqual(['dwt:-2615']);
    expect(keys('DWObject.ErrorString: The password is not a string.')).toEqual([]);
  });

  it('leaves a message attached to another vendor\'s number alone', () => {
    expect(keys('Dynamsoft Barcode Reader error -10004: License expired.')).toEqual([]);
    expect(keys('dls-client[4242]: License expired.')).toEqual(['dls:-20111']);
  });
});
