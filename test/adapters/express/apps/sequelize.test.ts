/**
 * The connect-session-sequelize app on PostgreSQL, with the store's own short `expiration` (3 s) and reaper:
 * the same responses and rows as under express-session, and (issue 12, item 3) an active user who makes a request
 * every second for longer than `expiration` stays signed in, because the store's `touch` keeps the row alive on
 * unchanged requests, while an idle user's row is reaped, on both implementations.
 * @module
 */
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listen } from "../helpers.ts";
import { dropPgTables } from "./cleanup.ts";
import { bodies, expectSame, runEverywhere, type Transcripts } from "./differential.ts";
import { CHECK_EVERY, EXPIRATION, sequelizeApp } from "./sequelize.ts";
import { loginScript } from "./site.ts";
import { labelOf, RUN, skipWithout, stacks, type Impl, type Major } from "./stack.ts";
import { Browser } from "./traffic.ts";

const skip = skipWithout("DATABASE_URL", "connect-session-sequelize app");
const tables: string[] = [];
const table = (what: string, label: string): string => {
  const name = `sessions_${what}_${RUN}_${label}`;
  tables.push(name);
  return name;
};
afterAll(async () => {
  if (!skip) await dropPgTables(tables);
});

const HELLO = 'hello, ann! <a href="/logout">Logout</a>';
const LOGIN = { method: "POST", path: "/login", form: { user: "ann", pass: "hunter2" } } as const;

describe.skipIf(skip)("connect-session-sequelize app on PostgreSQL (expiration 3 s, browser-session cookie, README logout)", () => {
  let t: Transcripts;
  beforeAll(async () => void (t = await runEverywhere((stack, label) => sequelizeApp(stack, table("diff", label)), loginScript)));

  it("same responses on Express 4 and 5", () => {
    expect(bodies(expectSame(t, "responses"))).toContain(HELLO);
  });

  it("same records in PostgreSQL", () => {
    expectSame(t, "records");
  });

  it("an active user (a request every second for twice the store's expiration) stays signed in; an idle one is reaped", async () => {
    await activeAndIdle();
  });

  it("the same with a sid column wide enough for our IDs (touch apart from the ID length): active stays, idle is reaped", async () => {
    await activeAndIdle("VARCHAR(255)");
  });
});

/** Runs an active and an idle user on every stack at once and checks both outcomes on each. */
async function activeAndIdle(sidColumn?: string): Promise<void> {
  const seen: Record<string, { active: string[]; idle: string }> = {};
  await Promise.all(
    stacks.map(async (stack) => {
      const label = labelOf(stack);
      const built = await sequelizeApp(stack, table(sidColumn ? "wide" : "touch", label), sidColumn);
      const server = await listen(built.app);
      try {
        const active = new Browser(server.url);
        const idle = new Browser(server.url);
        await Promise.all([active.step(LOGIN), idle.step(LOGIN)]);
        const pages: string[] = [];
        const started = Date.now();
        // Unchanged requests only: express-session touches the row on each (store.touch → a new `expires`).
        while (Date.now() - started < 2 * EXPIRATION) {
          pages.push(await active.step({ path: "/" }));
          await sleep(1_000);
        }
        // By now the idle user's row expired more than a reaper period ago.
        expect(Date.now() - started).toBeGreaterThan(EXPIRATION + 2 * CHECK_EVERY);
        seen[`${stack.impl} on Express ${stack.major}`] = { active: pages, idle: await idle.step({ path: "/" }) };
      } finally {
        await server.close();
        await built.close();
      }
    }),
  );
  for (const major of [4, 5] as Major[]) {
    for (const impl of ["express-session", "unsession/express"] as Impl[]) {
      const { active, idle } = seen[`${impl} on Express ${major}`]!;
      expect(active.length).toBeGreaterThanOrEqual(5);
      expect({ impl, major, active }).toEqual({ impl, major, active: active.map(() => HELLO) });
      expect({ impl, major, idle }).toEqual({ impl, major, idle: '<a href="/login">Login</a>' });
    }
  }
}
