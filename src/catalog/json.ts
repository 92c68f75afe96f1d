// JSON helpers that can say *where*: line:column of a syntax error, and of the value at a JSON pointer.

export interface Place {
  line: number;
  column: number;
}

export function placeOf(text: string, offset: number): Place {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: offset - start + 1 };
}

class Scan {
  pos = 0;
  constructor(readonly s: string) {}

  fail(msg: string, at = this.pos): never {
    throw Object.assign(new Error(msg), { offset: at });
  }

  ws(): void {
    while (this.pos < this.s.length && ' \t\n\r'.includes(this.s[this.pos]!)) this.pos++;
  }

  describe(): string {
    return this.pos >= this.s.length ? 'end of file' : JSON.stringify(this.s[this.pos]);
  }

  value(): void {
    this.ws();
    const c = this.s[this.pos];
    if (c === '{') this.object();
    else if (c === '[') this.array();
    else if (c === '"') this.string();
    else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) this.number();
    else if (this.s.startsWith('true', this.pos)) this.pos += 4;
    else if (this.s.startsWith('false', this.pos)) this.pos += 5;
    else if (this.s.startsWith('null', this.pos)) this.pos += 4;
    else this.fail(`expected a value, found ${this.describe()}`);
  }

  object(): void {
    this.pos++;
    this.ws();
    if (this.s[this.pos] === '}') {
      this.pos++;
      return;
    }
    for (;;) {
      this.ws();
      if (this.s[this.pos] !== '"') this.fail(`expected a double-quoted property name, found ${this.describe()}`);
      this.string();
      this.ws();
      if (this.s[this.pos] !== ':') this.fail(`expected ':' after the property name, found ${this.describe()}`);
      this.pos++;
      this.value();
      this.ws();
      const c = this.s[this.pos];
      if (c === ',') {
        this.pos++;
        this.ws();
        if (this.s[this.pos] === '}') this.fail("trailing comma before '}'");
        continue;
      }
      if (c === '}') {
        this.pos++;
        return;
      }
      this.fail(`expected ',' or '}' after a property value, found ${this.describe()}`);
    }
  }

  array(): void {
    this.pos++;
    this.ws();
    if (this.s[this.pos] === ']') {
      this.pos++;
      return;
    }
    for (;;) {
      this.value();
      this.ws();
      const c = this.s[this.pos];
      if (c === ',') {
        this.pos++;
        this.ws();
        if (this.s[this.pos] === ']') this.fail("trailing comma before ']'");
        continue;
      }
      if (c === ']') {
        this.pos++;
        return;
      }
      this.fail(`expected ',' or ']' after an array element, found ${this.describe()}`);
    }
  }

  string(): void {
    const start = this.pos;
    this.pos++;
    for (;;) {
      const c = this.s[this.pos];
      if (c === undefined) this.fail('unterminated string', start);
      if (c === '"') {
        this.pos++;
        return;
      }
      if (c.charCodeAt(0) < 0x20) this.fail('control character (e.g. a raw newline) inside a string');
      if (c === '\\') {
        const e = this.s[this.pos + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(this.s.slice(this.pos + 2, this.pos + 6))) this.fail('bad \\u escape');
          this.pos += 6;
          continue;
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) this.fail(`bad escape \\${e ?? ''}`);
        this.pos += 2;
        continue;
      }
      this.pos++;
    }
  }

  number(): void {
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(this.s.slice(this.pos, this.pos + 400));
    if (!m) this.fail('bad number');
    this.pos += m[0].length;
  }

  skipString(): string {
    const start = this.pos;
    this.string();
    return JSON.parse(this.s.slice(start, this.pos)) as string;
  }
}

/** Where the syntax error in `text` is, and what it is; undefined if the text is valid JSON. */
export function findSyntaxError(text: string): { offset: number; message: string } | undefined {
  const sc = new Scan(text);
  try {
    sc.ws();
    if (sc.pos >= text.length) sc.fail('empty file');
    sc.value();
    sc.ws();
    if (sc.pos < text.length) sc.fail(`unexpected ${sc.describe()} after the end of the JSON value`);
    return undefined;
  } catch (e) {
    const err = e as Error & { offset?: number };
    return { offset: err.offset ?? sc.pos, message: err.message };
  }
}

/** The place of the value at a JSON pointer (`/entries/3/code`) in valid JSON text; the deepest existing parent otherwise. */
export function locatePointer(text: string, pointer: string): Place {
  const segs = pointer === '' ? [] : pointer.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const sc = new Scan(text);
  sc.ws();
  let found = sc.pos;
  try {
    for (const seg of segs) {
      sc.ws();
      const c = sc.s[sc.pos];
      let hit = false;
      if (c === '{') {
        sc.pos++;
        sc.ws();
        while (sc.s[sc.pos] !== '}') {
          sc.ws();
          const key = sc.skipString();
          sc.ws();
          sc.pos++; // ':'
          sc.ws();
          if (key === seg) {
            hit = true;
            found = sc.pos;
            break;
          }
          sc.value();
          sc.ws();
          if (sc.s[sc.pos] === ',') sc.pos++;
          sc.ws();
        }
      } else if (c === '[') {
        const want = Number(seg);
        sc.pos++;
        sc.ws();
        for (let i = 0; sc.s[sc.pos] !== ']'; i++) {
          sc.ws();
          if (i === want) {
            hit = true;
            found = sc.pos;
            break;
          }
          sc.value();
          sc.ws();
          if (sc.s[sc.pos] === ',') sc.pos++;
          sc.ws();
        }
      }
      if (!hit) break;
    }
  } catch {
    // text not valid JSON: keep the deepest place found
  }
  return placeOf(text, found);
}
