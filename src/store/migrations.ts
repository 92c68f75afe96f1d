// SQLite schema as a forward-only list of migrations, applied through `PRAGMA user_version`.
// Never edit a released migration: append a new one (and a fixture in test/store/migrations.test.ts).

export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'hourly counts, catalog snapshot, samples, sources, runs',
    sql: `
CREATE TABLE counts (
  bucket     INTEGER NOT NULL,
  vendor     TEXT    NOT NULL,
  code       INTEGER NOT NULL,
  source     TEXT    NOT NULL,
  host       TEXT    NOT NULL DEFAULT '',
  count      INTEGER NOT NULL,
  first_seen TEXT    NOT NULL,
  last_seen  TEXT    NOT NULL,
  PRIMARY KEY (bucket, vendor, code, source, host)
) WITHOUT ROWID;

CREATE TABLE vendors (
  vendor     TEXT PRIMARY KEY,
  product    TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE codes (
  vendor     TEXT    NOT NULL,
  code       INTEGER NOT NULL,
  known      INTEGER NOT NULL,
  product    TEXT,
  name       TEXT,
  message    TEXT,
  category   TEXT,
  severity   TEXT,
  range_min  INTEGER,
  range_max  INTEGER,
  updated_at TEXT    NOT NULL,
  PRIMARY KEY (vendor, code)
) WITHOUT ROWID;

CREATE TABLE samples (
  id     INTEGER PRIMARY KEY,
  vendor TEXT    NOT NULL,
  code   INTEGER NOT NULL,
  ts     TEXT    NOT NULL,
  source TEXT    NOT NULL,
  host   TEXT    NOT NULL DEFAULT '',
  line   INTEGER NOT NULL,
  text   TEXT    NOT NULL
);
CREATE INDEX samples_by_code ON samples (vendor, code, ts);

CREATE TABLE sources (
  host        TEXT    NOT NULL DEFAULT '',
  key         TEXT    NOT NULL,
  source      TEXT    NOT NULL,
  path        TEXT,
  dev         INTEGER,
  ino         INTEGER,
  fingerprint TEXT,
  offset      INTEGER NOT NULL,
  lines       INTEGER NOT NULL,
  last_ts     TEXT,
  updated_at  TEXT    NOT NULL,
  PRIMARY KEY (host, key)
);

CREATE TABLE runs (
  id          INTEGER PRIMARY KEY,
  command     TEXT    NOT NULL,
  host        TEXT    NOT NULL DEFAULT '',
  pid         INTEGER,
  started_at  TEXT    NOT NULL,
  finished_at TEXT,
  status      TEXT    NOT NULL DEFAULT 'running',
  bytes       INTEGER,
  lines       INTEGER,
  hits        INTEGER,
  unknown     INTEGER,
  skipped     INTEGER,
  oversized   INTEGER,
  errors      INTEGER
);
`,
  },
  {
    version: 2,
    description: 'views for the common questions; per-code and per-source indexes',
    sql: `
CREATE INDEX counts_by_code ON counts (vendor, code);
CREATE INDEX counts_by_source ON counts (source, host);
CREATE INDEX sources_by_source ON sources (source);

CREATE VIEW daily_counts AS
SELECT date(c.bucket, 'unixepoch') AS day, c.vendor, c.code,
       coalesce(k.name, k.message) AS name, sum(c.count) AS count
FROM counts c LEFT JOIN codes k ON k.vendor = c.vendor AND k.code = c.code
GROUP BY day, c.vendor, c.code
ORDER BY day DESC, count DESC, c.vendor, c.code;

CREATE VIEW top_codes AS
SELECT c.vendor, c.code, coalesce(k.known, 0) AS known, k.name, k.message, k.severity, k.category,
       sum(c.count) AS count, min(c.first_seen) AS first_seen, max(c.last_seen) AS last_seen
FROM counts c LEFT JOIN codes k ON k.vendor = c.vendor AND k.code = c.code
GROUP BY c.vendor, c.code
ORDER BY count DESC, c.vendor, c.code;

CREATE VIEW unknown_codes AS
SELECT c.vendor, c.code, sum(c.count) AS count, min(c.first_seen) AS first_seen, max(c.last_seen) AS last_seen,
       (SELECT s.text FROM samples s WHERE s.vendor = c.vendor AND s.code = c.code
        ORDER BY s.ts DESC, s.id DESC LIMIT 1) AS sample
FROM counts c LEFT JOIN codes k ON k.vendor = c.vendor AND k.code = c.code
WHERE coalesce(k.known, 0) = 0
GROUP BY c.vendor, c.code
ORDER BY count DESC, c.vendor, c.code;
`,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
