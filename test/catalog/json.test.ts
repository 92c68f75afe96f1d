import { describe, expect, it } from 'vitest';
import { findSyntaxError, locatePointer, placeOf } from '../../src/catalog/json.js';

describe('findSyntaxError', () => {
  it('returns undefined for valid JSON', () => {
    expect(findSyntaxError('{"a": [1, -2.5e3, "x\\n\\u00e9", true, false, null, {}]}')).toBeUndefined();
  });
  it('finds the offset and says what is wrong', () => {
    expect(findSyntaxError('{"a": 1,}')).toEqual({ offset: 8, message: "trailing comma before '}'" });
    expect(findSyntaxError('{"a" 1}')).toEqual({ offset: 5, message: 'expected \':\' after the property name, found "1"' });
    expect(findSyntaxError('{a: 1}')).toEqual({ offset: 1, message: 'expected a double-quoted property name, found "a"' });
    expect(findSyntaxError('["abc')).toEqual({ offset: 1, message: 'unterminated string' });
    expect(findSyntaxError('["a\nb"]')).toEqual({ offset: 3, message: 'control character (e.g. a raw newline) inside a string' });
    expect(findSyntaxError('["\\x"]')).toEqual({ offset: 2, message: 'bad escape \\x' });
    expect(findSyntaxError('{} x')).toEqual({ offset: 3, message: 'unexpected "x" after the end of the JSON value' });
    expect(findSyntaxError('  ')).toEqual({ offset: 2, message: 'empty file' });
    expect(findSyntaxError('[01]')).toEqual({ offset: 2, message: "expected ',' or ']' after an array element, found \"1\"" });
  });
});

describe('placeOf and locatePointer', () => {
  const text = '{\n  "a/b": {"x": 1},\n  "list": [\n    10,\n    {"y": "z"}\n  ]\n}';
  it('maps offsets to 1-based line:column', () => {
    expect(placeOf(text, 0)).toEqual({ line: 1, column: 1 });
    expect(placeOf(text, 2)).toEqual({ line: 2, column: 1 });
  });
  it('finds the value at a JSON pointer', () => {
    expect(locatePointer(text, '')).toEqual({ line: 1, column: 1 });
    expect(locatePointer(text, '/a~1b/x')).toEqual({ line: 2, column: 16 });
    expect(locatePointer(text, '/list/1/y')).toEqual({ line: 5, column: 11 });
    expect(locatePointer(text, '/list/0')).toEqual({ line: 4, column: 5 });
    // a missing member: the deepest parent that exists
    expect(locatePointer(text, '/list/7')).toEqual({ line: 3, column: 11 });
  });
});
