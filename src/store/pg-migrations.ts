// PostgreSQL schema as a forward-only list of migrations, recorded in `schema_version`. It mirrors the
// SQLite schema (src/store/migrations.ts) table for table and view for view, so reports read the same
// rows from either. Never edit a released migration: append a new one.
//
// Text columns use the "C" collation: ORDER BY, min/max and LEAST/GREATEST then compare bytes as SQLite
// does, whatever the database's locale, so ISO timestamps and rankings come out identical.
import type { Migration } from './migrations.js';

export const PG_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'hourly counts, catalog snapshot, samples, sources, runs, committed batch ids',
    sql: `
CREATE TABLE counts (
  bucket     bigint NOT NULL,
  vendor     text COLLATE "C" NOT NULL,
  code       bigint NOT NULL,
  source     text COLLATE "C" NOT NULL,
  host       text COLLATE "C" NOT NULL DEFAULT '',
  count      bigint NOT NULL,
  first_seen text COLLATE "C" NOT NULL,
  last_seen  text COLLATE "C" NOT NULL,
  PRIMARY KEY (bucket, vendor, code, source, host)
);

CREATE TABLE vendors (
  vendor     text COLLATE "C" PRIMARY KEY,
  product    text NOT NULL,
  updated_at text NOT NULL
);

CREATE TABLE codes (
  vendor     text COLLATE "C" NOT NULL,
  code       bigint NOT NULL,
  known      integer NOT NULL,
  product    text,
  name       text,
  message    text,
  category   text,
  severity   text,
  range_min  bigint,
  range_max  bigint,
  updated_at text NOT NULL,
  PRIMARY KEY (vendor, code)
);

CREATE TABLE samples (
  id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  vendor text COLLATE "C" NOT NULL,
  code   bigint NOT NULL,
  ts     text COLLATE "C" NOT NULL,
  source text COLLATE "C" NOT NULL,
  host   text COLLATE "C" NOT NULL DEFAULT '',
  line   bigint NOT NULL,
  text   text NOT NULL
);
CREATE INDEX samples_by_code ON samples (vendor, code, ts);

CREATE TABLE sources (
  host        text COLLATE "C" NOT NULL DEFAULT '',
  key         text COLLATE "C" NOT NULL,
  source      text COLLATE "C" NOT NULL,
  path        text COLLATE "C",
  dev         bigint,
  ino         bigint,
  fingerprint text,
  "offset"    bigint NOT NULL,
  lines       bigint NOT NULL,
  last_ts     text,
  updated_at  text NOT NULL,
  PRIMARY KEY (host, key)
);

CREATE TABLE runs (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  command     text NOT NULL,
  host        text COLLATE "C" NOT NULL DEFAULT '',
  pid         integer,
  started_at  text NOT NULL,
  finished_at text,
  status      text NOT NULL DEFAULT 'running',
  bytes       bigint,
  lines       bigint,
  hits        bigint,
  unknown     bigint,
  skipped     bigint,
  oversized   bigint,
  errors      bigint
);

-- One row per committed writeBatch: a retry after a lost COMMIT finds its id and does not count twice.
CREATE TABLE batches (
  id           uuid PRIMARY KEY,
  host         text NOT NULL,
  committed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX batches_by_time ON batches (committed_at);
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
SELECT to_char(to_timestamp(c.bucket) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, c.vendor, c.code,
       coalesce(k.name, k.message) AS name, sum(c.count)::bigint AS count
FROM counts c LEFT JOIN codes k ON k.vendor = c.vendor AND k.code = c.code
GROUP BY 1, c.vendor, c.code, k.name, k.message
ORDER BY day DESC, count DESC, c.vendor, c.code;

CREATE VIEW top_codes AS
SELECT c.vendor, c.code, coalesce(k.known, 0) AS known, k.name, k.message, k.severity, k.category,
       sum(c.count)::bigint AS count, min(c.first_seen) AS first_seen, max(c.last_seen) AS last_seen
FROM counts c LEFT JOIN codes k ON k.vendor = c.vendor AND k.code = c.code
GROUP BY c.vendor, c.code, k.known, k.name, k.message, k.severity, k.category
ORDER BY count DESC, c.vendor, c.code;

CREATE VIEW unknown_codes AS
SELECT c.vendor, c.code, sum(c.count)::bigint AS count, min(c.first_seen) AS first_seen, max(c.last_seen) AS last_seen,
       (SELECT s.text FROM samples s WHERE s.vendor = c.vendor AND s.code = c.code
        ORDER BY s.ts DESC, s.id DESC LIMIT 1) AS sample
FROM counts c LEFT JOIN codes k ON k.vendor = c.vendor AND k.code = c.code
WHERE coalesce(k.known, 0) = 0
GROUP BY c.vendor, c.code
ORDER BY count DESC, c.vendor, c.code;
`,
  },
];

export const PG_SCHEMA_VERSION = PG_MIGRATIONS[PG_MIGRATIONS.length - 1]!.version;
