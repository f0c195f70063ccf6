/**
 * Removes what a test run left in the services: Redis keys under a prefix, MySQL and PostgreSQL tables by name.
 * @module
 */
import { createRequire } from "node:module";
import { createClient } from "redis";
import { env } from "./stack.ts";

const require = createRequire(import.meta.url);

/** Deletes every Redis key that starts with `prefix`. */
export async function dropRedisKeys(prefix: string): Promise<void> {
  const client = createClient({ url: env.REDIS_URL });
  await client.connect();
  try {
    const keys = await client.keys(`${prefix}*`);
    if (keys.length) await client.del(keys);
  } finally {
    await client.quit();
  }
}

/** Drops MySQL tables (names made by the tests themselves). */
export async function dropMysqlTables(tables: string[]): Promise<void> {
  const mysql = require("mysql2/promise");
  const connection = await mysql.createConnection(env.MYSQL_URL);
  try {
    for (const table of tables) await connection.query("DROP TABLE IF EXISTS ??", [table]);
  } finally {
    await connection.end();
  }
}

/** Drops PostgreSQL tables (names made by the tests themselves). */
export async function dropPgTables(tables: string[]): Promise<void> {
  const { Client } = require("pg");
  const client = new Client({ connectionString: env.DATABASE_URL });
  await client.connect();
  try {
    for (const table of tables) await client.query(`DROP TABLE IF EXISTS "${table.replace(/"/g, "")}"`);
  } finally {
    await client.end();
  }
}
