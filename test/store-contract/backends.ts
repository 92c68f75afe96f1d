// The two stores behind one face, so one suite pins the same behaviour on both: a fresh place per test,
// opened through the public openStore(), and raw SQL for checks that the Store interface does not expose.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openStore, type OpenOptions } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { freshSchema, pgRows } from '../store-pg/pg.js';

export interface Place {
  location: string;
  open(opts?: OpenOptions): Promise<Store>;
  /** Raw SQL on a separate connection; write it so SQLite and PostgreSQL both accept it (no parameters). */
  rows(sql: string): Promise<Array<Record<string, unknown>>>;
  dispose(): Promise<void>;
}

export interface Backend {
  name: 'sqlite' | 'postgres';
  fresh(): Promise<Place>;
}

export const sqliteBackend: Backend = {
  name: 'sqlite',
  async fresh() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'errscan-contract-'));
    const file = path.join(dir, 'errscan.db');
    return {
      location: file,
      open: (opts = {}) => openStore(file, opts),
      async rows(sql) {
        const db = new Database(file, { readonly: true });
        try {
          return db.prepare(sql).all() as Array<Record<string, unknown>>;
        } finally {
          db.close();
        }
      },
      async dispose() {
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

export const postgresBackend: Backend = {
  name: 'postgres',
  async fresh() {
    const schema = await freshSchema('contract');
    return {
      location: schema.url,
      open: (opts = {}) => openStore(schema.url, opts),
      rows: (sql) => pgRows(schema.url, sql),
      dispose: () => schema.drop(),
    };
  },
};

export const BACKENDS: Backend[] = [sqliteBackend, postgresBackend];
