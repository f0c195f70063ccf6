import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDatabase, type Database } from "db0";
import sqliteConnector from "db0/connectors/better-sqlite3";
import mysqlConnector from "db0/connectors/mysql2";
import postgresqlConnector from "db0/connectors/postgresql";
import { afterAll, describe, expect, it } from "vitest";
import { createSessions, sqlSchema, sqlStore } from "../../src/index.ts";
import { runStoreConformance } from "../../src/testing.ts";
import { api, runId, serviceUrl } from "./env.ts";

const dir = mkdtempSync(join(tmpdir(), "unsession-sqlite-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Target {
  name: string;
  url: string | undefined;
  skip: string;
  connect: () => Database;
}
const pgUrl = serviceUrl("DATABASE_URL");
const mysqlUrl = serviceUrl("MYSQL_URL");
const targets: Target[] = [
  { name: "PostgreSQL", url: pgUrl, skip: "DATABASE_URL", connect: () => createDatabase(postgresqlConnector({ url: pgUrl! })) },
  { name: "MariaDB/MySQL", url: mysqlUrl, skip: "MYSQL_URL", connect: () => createDatabase(mysqlConnector({ uri: mysqlUrl! })) },
  // Embedded: a file in a temp dir, so that a second connection sees the same data.
  { name: "SQLite (better-sqlite3)", url: "embedded", skip: "", connect: () => createDatabase(sqliteConnector({ path: join(dir, "sessions.sqlite3") })) },
];

const close = (db: Database) => (db as unknown as { dispose?: () => Promise<void> }).dispose?.();

for (const target of targets) {
  describe.skipIf(!target.url)(`store: sqlStore on ${target.name} (db0)`, () => {
    const table = `unsession_t_${runId}`;
    afterAll(async () => {
      const db = target.connect();
      await db.exec(`DROP TABLE IF EXISTS ${table}`);
      await db.exec(`DROP TABLE IF EXISTS ${table}_manual`);
      await close(db);
    });

    runStoreConformance(
      `sqlStore on ${target.name}`,
      {
        open: () => {
          const db = target.connect();
          return { store: sqlStore(db, { table }), close: () => close(db) };
        },
        expiry: "store", // reads filter on the expires column
        atomicMerge: true, // compare-and-set on the row (bench/lost-updates.ts measures 10 rounds)
        rounds: 5,
      },
      api,
    );

    it("removes expired rows on a write, without a cron", async () => {
      const db = target.connect();
      try {
        const store = sqlStore(db, { table, pruneInterval: 0 });
        const prefix = `prune-${runId}:`;
        for (let i = 0; i < 5; i++) await store.set(`${prefix}old${i}`, "{}", -1); // already expired
        await store.set(`${prefix}live`, "{}", 60);
        const count = async () =>
          Number(((await db.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE id LIKE ?`).get(`${prefix}%`)) as { n: number | string }).n);
        expect(await count()).toBe(1); // the write that stored "live" pruned the five
        expect(await store.get(`${prefix}live`)).toBe("{}");
      } finally {
        await close(db);
      }
    });

    it("prunes at most once per pruneInterval", async () => {
      const db = target.connect();
      try {
        let t = 1_000_000_000_000;
        const store = sqlStore(db, { table, pruneInterval: 60, now: () => t });
        const prefix = `interval-${runId}:`;
        await store.set(`${prefix}a`, "{}", 1); // prunes (first write), a lives until t+1s
        t += 2_000; // a is expired now, but the last prune was 2 s ago
        await store.set(`${prefix}b`, "{}", 600);
        const ids = async () =>
          ((await db.prepare(`SELECT id FROM ${table} WHERE id LIKE ? ORDER BY id`).all(`${prefix}%`)) as { id: string }[]).map((r) => r.id);
        expect(await ids()).toEqual([`${prefix}a`, `${prefix}b`]);
        expect(await store.get(`${prefix}a`)).toBeNull(); // never served after its expiry
        t += 60_000;
        await store.set(`${prefix}c`, "{}", 600);
        expect(await ids()).toEqual([`${prefix}b`, `${prefix}c`]);
      } finally {
        await close(db);
      }
    });

    it("works on a table created by the documented statement (createTable: false)", async () => {
      const db = target.connect();
      try {
        for (const statement of sqlSchema(db.dialect, `${table}_manual`)) await db.exec(statement);
        const sessions = createSessions({ secret: "sql-manual-table-secret-0123456789abcdef", store: sqlStore(db, { table: `${table}_manual`, createTable: false }) });
        const handler = sessions.wrap((_request, session) => {
          session.data.views = ((session.data.views as number | undefined) ?? 0) + 1;
          return new Response(String(session.data.views));
        });
        const first = await handler(new Request("http://127.0.0.1/"));
        const cookie = first.headers.get("set-cookie")!.split(";")[0]!;
        expect(await (await handler(new Request("http://127.0.0.1/", { headers: { cookie } }))).text()).toBe("2");
      } finally {
        await close(db);
      }
    });

    it("merge: never revives an expired row, and an index merge (create) replaces it", async () => {
      const db = target.connect();
      try {
        const store = sqlStore(db, { table, pruneInterval: 3600 });
        const key = `merge-expired-${runId}`;
        await store.set(`${key}-first`, "{}", 60); // the first write prunes; the next ones do not
        await store.set(key, '{"cookie":{},"user":"ada"}', -1); // already expired, not pruned
        const rows = async () => Number(((await db.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE id = ?`).get(key)) as { n: number | string }).n);
        expect(await rows()).toBe(1);
        expect(await store.merge(key, { set: { cart: "[]" }, unset: [] }, 60)).toBeNull();
        expect(await store.get(key)).toBeNull();
        expect(await store.merge(key, { set: { k: "1" }, unset: [], create: true }, 60)).toBe('{"k":1}');
        expect(await store.merge(key, { set: { j: "2" }, unset: ["k"] }, 60)).toBe('{"j":2}');
        expect(await store.get(key)).toBe('{"j":2}');
      } finally {
        await close(db);
      }
    });

    it("keeps IDs that differ only in letter case apart", async () => {
      const db = target.connect();
      try {
        const store = sqlStore(db, { table });
        await store.set(`case-${runId}:AbC`, "upper", 60);
        await store.set(`case-${runId}:abc`, "lower", 60);
        expect(await store.get(`case-${runId}:AbC`)).toBe("upper");
        expect(await store.get(`case-${runId}:abc`)).toBe("lower");
      } finally {
        await close(db);
      }
    });
  });
}
