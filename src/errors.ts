// One error class with stable codes; the CLI maps codes to exit statuses.

export type ErrorCode =
  | 'ERRSCAN_USAGE'
  | 'ERRSCAN_CATALOG_READ'
  | 'ERRSCAN_CATALOG_BAD_JSON'
  | 'ERRSCAN_CATALOG_SCHEMA'
  | 'ERRSCAN_CATALOG_DUPLICATE_CODE'
  | 'ERRSCAN_CATALOG_BAD_REGEX'
  | 'ERRSCAN_CATALOG_NO_CODE_GROUP'
  | 'ERRSCAN_CATALOG_UNSAFE_REGEX'
  | 'ERRSCAN_CATALOG_SAMPLE'
  | 'ERRSCAN_IMPORT'
  | 'ERRSCAN_UNKNOWN_VENDOR'
  | 'ERRSCAN_INPUT_NOT_FOUND'
  | 'ERRSCAN_INPUT_READ'
  | 'ERRSCAN_DB_OPEN'
  | 'ERRSCAN_DB_LOCKED'
  | 'ERRSCAN_DB_READONLY'
  | 'ERRSCAN_DB_FULL'
  | 'ERRSCAN_DB_CORRUPT'
  | 'ERRSCAN_DB_SCHEMA'
  | 'ERRSCAN_DB'
  | 'ERRSCAN_SOURCE_CONFLICT'
  | 'ERRSCAN_NOT_FOUND'
  | 'ERRSCAN_ALERT'
  | 'ERRSCAN_INTERNAL';

/** Exit statuses: 0 ok, 1 nothing found / runtime failure, 2 usage or configuration, 3 report alert. */
const EXIT: Partial<Record<ErrorCode, number>> = {
  ERRSCAN_USAGE: 2,
  ERRSCAN_CATALOG_READ: 2,
  ERRSCAN_CATALOG_BAD_JSON: 2,
  ERRSCAN_CATALOG_SCHEMA: 2,
  ERRSCAN_CATALOG_DUPLICATE_CODE: 2,
  ERRSCAN_CATALOG_BAD_REGEX: 2,
  ERRSCAN_CATALOG_NO_CODE_GROUP: 2,
  ERRSCAN_CATALOG_UNSAFE_REGEX: 2,
  ERRSCAN_CATALOG_SAMPLE: 2,
  ERRSCAN_IMPORT: 2,
  ERRSCAN_UNKNOWN_VENDOR: 2,
  ERRSCAN_INPUT_NOT_FOUND: 2,
  ERRSCAN_ALERT: 3,
};

export class ErrscanError extends Error {
  readonly code: ErrorCode;
  /** Where: a file, optionally with a line or a JSON pointer. */
  readonly file?: string;
  readonly where?: string;
  /** What the user can do about it. */
  readonly hint?: string;

  constructor(code: ErrorCode, message: string, opts: { file?: string; where?: string; hint?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'ErrscanError';
    this.code = code;
    if (opts.file !== undefined) this.file = opts.file;
    if (opts.where !== undefined) this.where = opts.where;
    if (opts.hint !== undefined) this.hint = opts.hint;
  }

  get exitCode(): number {
    return EXIT[this.code] ?? 1;
  }

  /** The one line the CLI prints: `errscan: FILE:WHERE: message (hint)`. */
  oneLine(): string {
    const place = this.file ? `${this.file}${this.where ? `:${this.where}` : ''}: ` : '';
    const hint = this.hint ? ` (${this.hint})` : '';
    return `errscan: ${place}${this.message}${hint}`.replace(/[\r\n]+/g, ' ');
  }
}

export function isErrscanError(e: unknown): e is ErrscanError {
  return e instanceof ErrscanError;
}
