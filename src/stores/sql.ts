/**
 * A session store on SQL through `db0` (PostgreSQL, MySQL/MariaDB, SQLite, D1, libSQL…), with an
 * expiry column and a prune of expired rows that needs no cron.
 *
 * ```ts
 * import { createDatabase } from "db0";
 * import postgresql from "db0/connectors/postgresql";
 * const store = sqlStore(createDatabase(postgresql({ url: process.env.DATABASE_URL })));
 * const sessions = createSessions({ secret, store });
 * ```
 * @module
 */
import { mergeRecord } from "../merge.ts";
import type { MergePatch, SessionStore } from "../types.ts";

/** What `sqlStore` needs from a database: a `db0` `Database` fits. */
export interface SqlDatabase {
  /** `"postgresql"`, `"mysql"`, `"sqlite"` or `"libsql"`. */
  readonly dialect: string;
  /** Runs a statement without parameters. */
  exec(sql: string): Promise<unknown>;
  /** Prepares a statement with `?` placeholders. */
  prepare(sql: string): {
    get(...params: (string | number)[]): Promise<unknown>;
    run(...params: (string | number)[]): Promise<unknown>;
  };
}

/** Options of `sqlStore`. */
export interface SqlStoreOptions {
  /** Table name: letters, digits and `_`. @default "unsession_sessions" */
  table?: string;
  /** Create the table (and its index on `expires`) on first use; off when you run the documented statement yourself. @default true */
  createTable?: boolean;
  /** Expired rows are deleted on a write at most once per this many seconds (0: on every write). @default 300 */
  pruneInterval?: number;
  /** Clock in ms, for tests. @default Date.now */
  now?: () => number;
}

/** A `SessionStore` on SQL. Reads never return an expired row, whether or not it was pruned yet. */
export interface SqlStore extends SessionStore {
  /** The record, or `null` when missing or expired. */
  get(id: string): Promise<string | null>;
  /** Creates or overwrites a record for `ttl` seconds (an upsert). */
  set(id: string, record: string, ttl: number): Promise<void>;
  /** Removes a record; a missing one is not an error. */
  delete(id: string): Promise<void>;
  /**
   * Atomic merge by compare-and-set: reads the row, merges, and updates it only if its text and expiry are still
   * what was read (`UPDATE … WHERE id = ? AND data = ? AND expires = ?`), else reads again. No transaction, so
   * it works over db0's one shared connection, on every dialect. `null` for a missing or expired row.
   */
  merge(id: string, patch: MergePatch, ttl: number): Promise<string | null>;
  /** Deletes expired rows now; resolves to nothing (row counts differ between drivers). */
  prune(): Promise<void>;
  /** Creates the table when `createTable` is on; called by the first store operation. */
  ready(): Promise<void>;
}

/** The `CREATE TABLE` statements `sqlStore` runs, per dialect (also in docs/stores.md). */
export function sqlSchema(dialect: string, table: string = DEFAULT_TABLE): string[] {
  checkTable(table);
  if (dialect === "mysql") {
    // utf8mb4_bin: IDs are case-sensitive (MySQL's default collations are not) and data may hold any Unicode.
    return [
      `CREATE TABLE IF NOT EXISTS ${table} (id VARCHAR(255) COLLATE utf8mb4_bin NOT NULL PRIMARY KEY, data LONGTEXT NOT NULL, expires BIGINT NOT NULL, INDEX ${table}_expires (expires)) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
    ];
  }
  const text = dialect === "postgresql" ? "VARCHAR(255)" : "TEXT";
  return [
    `CREATE TABLE IF NOT EXISTS ${table} (id ${text} NOT NULL PRIMARY KEY, data TEXT NOT NULL, expires BIGINT NOT NULL)`,
    `CREATE INDEX IF NOT EXISTS ${table}_expires ON ${table} (expires)`,
  ];
}

const DEFAULT_TABLE = "unsession_sessions";
/** Compare-and-set attempts of one merge before it fails (each lost attempt means another merge succeeded). */
const MERGE_ATTEMPTS = 200;

/** Rows a statement changed, as each db0 connector reports it (pg, mysql2, SQLite, libSQL, D1). */
const rowsOf = (result: unknown): number => {
  const r = (result ?? {}) as { rowCount?: unknown; affectedRows?: unknown; changes?: unknown; rowsAffected?: unknown; meta?: { changes?: unknown } };
  const count = r.rowCount ?? r.affectedRows ?? r.changes ?? r.rowsAffected ?? r.meta?.changes;
  if (typeof count !== "number" && typeof count !== "bigint") throw new Error("sqlStore: the database driver does not report changed rows, so merge cannot compare-and-set");
  return Number(count);
};

const decode = (data: unknown): string => (typeof data === "string" ? data : new TextDecoder().decode(data as Uint8Array));

function checkTable(table: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(table)) {
    throw new TypeError(`[unsession] sqlStore table must be letters, digits and "_" (got ${JSON.stringify(table)})`);
  }
}

/** Creates a session store on a `db0` database. Expiry is a column in ms; writes prune expired rows now and then. */
export function sqlStore(db: SqlDatabase, options: SqlStoreOptions = {}): SqlStore {
  const table = options.table ?? DEFAULT_TABLE;
  checkTable(table);
  const now = options.now ?? Date.now;
  const interval = (options.pruneInterval ?? 300) * 1000;
  const mysql = db.dialect === "mysql";
  const upsert = mysql
    ? `INSERT INTO ${table} (id, data, expires) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE data = VALUES(data), expires = VALUES(expires)`
    : `INSERT INTO ${table} (id, data, expires) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET data = excluded.data, expires = excluded.expires`;
  const insertNew = mysql
    ? `INSERT IGNORE INTO ${table} (id, data, expires) VALUES (?, ?, ?)`
    : `INSERT INTO ${table} (id, data, expires) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING`;
  const compareAndSet = `UPDATE ${table} SET data = ?, expires = ? WHERE id = ? AND data = ? AND expires = ?`;
  let setup: Promise<void> | undefined;
  let lastPrune = 0;

  const ready = (): Promise<void> => {
    if (options.createTable === false) return Promise.resolve();
    setup ??= (async () => {
      // Instances starting together race on CREATE … IF NOT EXISTS (PostgreSQL may then fail with a unique
      // violation in its catalog): a second try finds the table made by the other one.
      for (let attempt = 1; ; attempt++) {
        try {
          for (const statement of sqlSchema(db.dialect, table)) await db.exec(statement);
          return;
        } catch (error) {
          if (attempt >= 3) throw error;
          await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
        }
      }
    })().catch((error: unknown) => {
      setup = undefined; // try again on the next call
      throw error;
    });
    return setup;
  };

  const prune = async (): Promise<void> => {
    await ready();
    await db.prepare(`DELETE FROM ${table} WHERE expires <= ?`).run(now());
  };

  return {
    ready,
    prune,
    async get(id) {
      await ready();
      const row = (await db.prepare(`SELECT data FROM ${table} WHERE id = ? AND expires > ?`).get(id, now())) as { data?: unknown } | undefined;
      const data = row?.data;
      if (data === undefined || data === null) return null;
      // Some drivers hand back bytes for text columns.
      return decode(data);
    },
    async merge(id, patch, ttl) {
      await ready();
      for (let attempt = 1; attempt <= MERGE_ATTEMPTS; attempt++) {
        const t = now();
        const row = (await db.prepare(`SELECT data, expires FROM ${table} WHERE id = ?`).get(id)) as { data: unknown; expires: string | number } | undefined;
        const data = row ? decode(row.data) : undefined;
        const merged = mergeRecord(row && Number(row.expires) > t ? data : null, patch);
        if (merged === null) return null; // missing or expired: never brought back
        const result = row
          ? await db.prepare(compareAndSet).run(merged, t + ttl * 1000, id, data!, row.expires)
          : await db.prepare(insertNew).run(id, merged, t + ttl * 1000);
        if (rowsOf(result) === 1) return merged;
        // Another write landed in between: read again (after a short random pause once contention persists).
        if (attempt > 3) await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(attempt, 20)));
      }
      throw new Error(`sqlStore: merge gave up after ${MERGE_ATTEMPTS} conflicting writes of one record`);
    },
    async set(id, record, ttl) {
      await ready();
      const t = now();
      await db.prepare(upsert).run(id, record, t + ttl * 1000);
      if (t - lastPrune >= interval) {
        lastPrune = t;
        // A failed prune must not fail the write: the next interval tries again.
        await prune().catch(() => {});
      }
    },
    async delete(id) {
      await ready();
      await db.prepare(`DELETE FROM ${table} WHERE id = ?`).run(id);
    },
  };
}
