/**
 * The connect-redis and express-mysql-session tutorial apps run unchanged on unsession/express, Express 4 and 5,
 * with express-session's responses and records (read through each store).
 * @module
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dropMysqlTables, dropRedisKeys } from "./cleanup.ts";
import { bodies, clearedByUs, expectSame, runEverywhere, type Transcripts } from "./differential.ts";
import { mysqlApp } from "./mysql.ts";
import { redisApp } from "./redis.ts";
import { loginScript } from "./site.ts";
import { RUN, skipWithout } from "./stack.ts";

const labels = ["es4", "un4", "es5", "un5"];

describe.skipIf(skipWithout("REDIS_URL", "connect-redis app"))("connect-redis app (hour-long cookie, logout by destroy)", () => {
  const prefix = `unsession-apps:${RUN}:`;
  let t: Transcripts;
  beforeAll(async () => void (t = await runEverywhere((stack, label) => redisApp(stack, `${prefix}${label}:`), loginScript)));
  afterAll(() => dropRedisKeys(prefix));

  it("same responses on Express 4 and 5", () => {
    expect(bodies(expectSame(t, "responses"))).toContain('hello, ann! <a href="/logout">Logout</a>');
    expect(clearedByUs(t, 4)).toEqual(["GET /logout"]);
  });

  it("same records in Redis", () => {
    expectSame(t, "records");
  });
});

describe.skipIf(skipWithout("MYSQL_URL", "express-mysql-session app"))("express-mysql-session app (day-long cookie, README logout)", () => {
  const tables = labels.map((label) => `sessions_${RUN}_${label}`);
  let t: Transcripts;
  beforeAll(async () => void (t = await runEverywhere((stack, label) => mysqlApp(stack, `sessions_${RUN}_${label}`), loginScript)));
  afterAll(() => dropMysqlTables(tables));

  it("same responses on Express 4 and 5", () => {
    expect(bodies(expectSame(t, "responses"))).toContain('hello, ann! <a href="/logout">Logout</a>');
    expect(clearedByUs(t, 5)).toEqual([]);
  });

  it("same records in MySQL", () => {
    expectSame(t, "records");
  });
});
