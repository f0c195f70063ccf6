/**
 * Live sharing with express-session: while the express-session app keeps a session alive (rolling + connect-redis's
 * touch, which only extends the Redis TTL; or a browser-session cookie used longer than our idle timeout), the
 * unsession Express and Hono apps on the same Redis see it, and never delete it.
 */
import { serve } from "@hono/node-server";
import { RedisStore } from "connect-redis";
import express from "express";
import expressSession from "express-session";
import { Hono } from "hono";
import { createClient } from "redis";
import { createStorage } from "unstorage";
import redisDriver from "unstorage/drivers/redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import session from "../../../adapters/express/index.ts";
import { session as honoSession } from "../../../adapters/hono.ts";
import { cookieOf, listen, type Listening } from "./helpers.ts";

const REDIS_URL = process.env.REDIS_URL;
if (!REDIS_URL) console.warn("[express live sharing] REDIS_URL is not set: the live-sharing tests are skipped");

const SECRET = "keyboard cat";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function app(middleware: any) {
  const a = express();
  a.use(middleware);
  a.post("/login", (req: any, res: any) => {
    req.session.user = "ann";
    req.session.save(() => res.send("in"));
  });
  a.get("/me", (req: any, res: any) => res.send(String(req.session.user ?? "anonymous")));
  return a;
}

describe.skipIf(!REDIS_URL)("express: live sharing with express-session never logs anyone out", () => {
  const prefix = `unsession-live-${process.pid}-${Date.now()}:`;
  let redis: ReturnType<typeof createClient>;
  const servers: Listening[] = [];
  const urls: Record<string, string> = {};
  let honoServer: ReturnType<typeof serve> | undefined;

  beforeAll(async () => {
    redis = createClient({ url: REDIS_URL });
    await redis.connect();
    // One RedisStore per app: express-session installs its own store.generate on the store it is given.
    const store = () => new RedisStore({ client: redis, prefix });
    const start = async (key: string, middleware: any) => {
      const l = await listen(app(middleware));
      servers.push(l);
      urls[key] = l.url;
    };
    // express-session keeps the user alive by rolling: each unchanged request only extends the Redis TTL.
    await start("legacy", expressSession({ secret: SECRET, store: store(), resave: false, saveUninitialized: false, rolling: true, cookie: { maxAge: 3000 } }));
    await start("legacyBrowser", expressSession({ secret: SECRET, store: store(), resave: false, saveUninitialized: false }));
    await start("ours", session({ secret: SECRET, store: store(), resave: false, saveUninitialized: false, rolling: true, cookie: { maxAge: 3000 } }));
    await start("oursBrowser", session({ secret: SECRET, store: store(), resave: false, saveUninitialized: false, idleTimeout: 2 }));

    const storage = createStorage({ driver: redisDriver({ url: REDIS_URL }) });
    const hono = new Hono<any>();
    // idleTimeout 2 s: shorter than the express-session side's activity below.
    hono.use(honoSession({ secret: ["a-new-strong-secret-of-32-characters!!", SECRET], storage, prefix, name: "connect.sid", idleTimeout: 2, cookie: { secure: false } }));
    hono.get("/me", (c: any) => c.text(String(c.get("session").data.user ?? "anonymous")));
    await new Promise<void>((resolve) => {
      honoServer = serve({ fetch: hono.fetch, port: 0, hostname: "127.0.0.1" }, (info) => {
        urls.hono = `http://127.0.0.1:${info.port}`;
        resolve();
      });
    });
  });

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await new Promise((resolve) => honoServer?.close(resolve));
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(keys);
    await redis.quit();
  });

  const get = async (url: string, cookie: string) => {
    const res = await fetch(`${url}/me`, { headers: { cookie } });
    return { body: await res.text(), setCookie: res.headers.get("set-cookie") };
  };
  const login = async (url: string) => cookieOf(await fetch(`${url}/login`, { method: "POST" }))!;

  it("rolling + connect-redis: 5 s of activity on a 3 s session, then our Express adapter and Hono still see the user", async () => {
    const cookie = await login(urls.legacy!);
    const sid = decodeURIComponent(cookie.split("=")[1]!).slice(2).split(".")[0]!;
    for (let i = 0; i < 10; i++) {
      await sleep(500);
      expect((await get(urls.legacy!, cookie)).body).toBe("ann");
    }
    // The record's own cookie.expires is 5 s stale by now; only its TTL says it is alive.
    const stored = JSON.parse((await redis.get(`${prefix}${sid}`))!);
    expect(Date.parse(stored.cookie.expires)).toBeLessThan(Date.now());
    const ours = await get(urls.ours!, cookie);
    expect(ours.body).toBe("ann");
    // Our rolling cookie is not cleared (Max-Age > 0) and the record is still there, its TTL extended.
    expect(ours.setCookie ?? "").not.toMatch(/Max-Age=0/i);
    expect((await get(urls.hono!, cookie)).body).toBe("ann");
    expect(await redis.exists(`${prefix}${sid}`)).toBe(1);
    expect((await get(urls.legacy!, cookie)).body).toBe("ann");
    expect(await redis.ttl(`${prefix}${sid}`)).toBeGreaterThan(0);
  });

  it("browser-session cookie signed in here, then active on express-session longer than our idle timeout: still signed in here", async () => {
    // Written by us (with our idle deadline in the record), then kept alive only by express-session's touch.
    const cookie = await login(urls.oursBrowser!);
    for (let i = 0; i < 6; i++) {
      await sleep(500);
      expect((await get(urls.legacyBrowser!, cookie)).body).toBe("ann");
    }
    expect((await get(urls.oursBrowser!, cookie)).body).toBe("ann");
    expect((await get(urls.hono!, cookie)).body).toBe("ann");
    expect((await get(urls.legacyBrowser!, cookie)).body).toBe("ann");
  });

  it("a session that lapsed on every side is still gone (the store's expiry decides)", async () => {
    const cookie = await login(urls.legacy!);
    await sleep(3500);
    expect((await get(urls.ours!, cookie)).body).toBe("anonymous");
    expect((await get(urls.hono!, cookie)).body).toBe("anonymous");
  });
});
