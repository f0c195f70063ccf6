/**
 * Live migration over one Redis: users logged in on express-session + connect-redis keep their sessions on the
 * unsession Express adapter (and on the Hono adapter), and the other way round, also across a secret rotation.
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
if (!REDIS_URL) console.warn("[express migration] REDIS_URL is not set: the live migration tests are skipped");

const S1 = "migration-secret-one-0123456789-abcdefgh";
const S2 = "migration-secret-two-0123456789-abcdefgh";

/** The same routes on both Express apps: the middleware is the only difference. */
function expressApp(middleware: any) {
  const app = express();
  app.use(middleware);
  app.post("/login", (req: any, res: any, next: any) =>
    req.session.regenerate((err: unknown) => {
      if (err) return next(err);
      req.session.user = "ann";
      req.session.cart = ["book"];
      res.send("logged in");
    }),
  );
  app.get("/me", (req: any, res: any) => {
    const { cookie: _cookie, __unsession: _meta, ...data } = { ...req.session, cookie: undefined };
    res.json({ id: req.sessionID, data });
  });
  app.post("/cart", (req: any, res: any) => {
    req.session.cart = [...(req.session.cart ?? []), `item-${req.session.cart?.length ?? 0}`];
    res.json(req.session.cart);
  });
  app.post("/logout", (req: any, res: any, next: any) => req.session.destroy((err: unknown) => (err ? next(err) : res.send("bye"))));
  return app;
}

describe.skipIf(!REDIS_URL)("express: live migration with express-session + connect-redis", () => {
  const prefix = `unsession-migration-${process.pid}-${Date.now()}:`;
  let redis: ReturnType<typeof createClient>;
  const servers: Listening[] = [];
  const urls: Record<string, string> = {};
  let honoServer: ReturnType<typeof serve> | undefined;

  const start = async (key: string, middleware: any) => {
    const l = await listen(expressApp(middleware));
    servers.push(l);
    urls[key] = l.url;
  };

  beforeAll(async () => {
    redis = createClient({ url: REDIS_URL });
    await redis.connect();
    const store = new RedisStore({ client: redis, prefix });
    const common = { resave: false, saveUninitialized: false, cookie: { maxAge: 3_600_000 } };
    await start("legacy", expressSession({ ...common, secret: S1, store }));
    await start("legacyRotated", expressSession({ ...common, secret: [S2, S1], store }));
    await start("legacyNewOnly", expressSession({ ...common, secret: S2, store }));
    await start("ours", session({ ...common, secret: S1, store }));
    await start("oursRotated", session({ ...common, secret: [S2, S1], store }));

    // The Hono adapter on the same Redis through unstorage: same key layout (prefix + id), same cookie name.
    const storage = createStorage({ driver: redisDriver({ url: REDIS_URL }) });
    const hono = new Hono<any>();
    hono.use(honoSession({ secret: S1, storage, prefix, name: "connect.sid", cookie: { secure: false, maxAge: 3600 } }));
    hono.get("/me", (c: any) => {
      const s = c.get("session");
      const { __unsession: _meta, ...data } = s.data;
      return c.json({ id: s.id, data });
    });
    await new Promise<void>((resolve) => {
      honoServer = serve({ fetch: hono.fetch, hostname: "127.0.0.1", port: 0 }, (info) => {
        urls.hono = `http://127.0.0.1:${info.port}`;
        resolve();
      });
    });
  });

  afterAll(async () => {
    for (const s of servers) await s.close();
    await new Promise<void>((resolve) => (honoServer ? honoServer.close(() => resolve()) : resolve()));
    for await (const keys of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 100 })) if (keys.length) await redis.del(keys);
    await redis.quit();
  });

  const call = async (app: string, method: string, path: string, cookie?: string) => {
    const res = await fetch(urls[app] + path, { method, headers: cookie ? { cookie } : {} });
    return { res, body: res.headers.get("content-type")?.includes("json") ? await res.json() : await res.text(), cookie: cookieOf(res) };
  };

  it("a user logged in on express-session is logged in on the unsession adapter, and changes flow back", async () => {
    const login = await call("legacy", "POST", "/login");
    const cookie = login.cookie!;
    expect(cookie).toMatch(/^connect\.sid=s%3A/);
    const mine = await call("ours", "GET", "/me", cookie);
    expect(mine.body.data).toEqual({ user: "ann", cart: ["book"] });
    const legacyId = (await call("legacy", "GET", "/me", cookie)).body.id;
    expect(mine.body.id).toBe(legacyId);

    expect((await call("ours", "POST", "/cart", cookie)).body).toEqual(["book", "item-1"]);
    expect((await call("legacy", "GET", "/me", cookie)).body.data).toEqual({ user: "ann", cart: ["book", "item-1"] });
    expect((await call("legacy", "POST", "/cart", cookie)).body).toEqual(["book", "item-1", "item-2"]);
    expect((await call("ours", "GET", "/me", cookie)).body.data).toEqual({ user: "ann", cart: ["book", "item-1", "item-2"] });
  });

  it("a user logged in on the unsession adapter is logged in on express-session", async () => {
    const login = await call("ours", "POST", "/login");
    const cookie = login.cookie!;
    expect((await call("legacy", "GET", "/me", cookie)).body.data).toEqual({ user: "ann", cart: ["book"] });
    expect((await call("legacy", "POST", "/cart", cookie)).body).toEqual(["book", "item-1"]);
    expect((await call("ours", "GET", "/me", cookie)).body.data).toEqual({ user: "ann", cart: ["book", "item-1"] });
  });

  it("a logout on either side ends the session on the other", async () => {
    const a = (await call("legacy", "POST", "/login")).cookie!;
    await call("ours", "POST", "/logout", a);
    expect((await call("legacy", "GET", "/me", a)).body.data).toEqual({});
    const b = (await call("ours", "POST", "/login")).cookie!;
    await call("legacy", "POST", "/logout", b);
    expect((await call("ours", "GET", "/me", b)).body.data).toEqual({});
  });

  it("with a rotated secret list: old cookies work, are re-signed with the new secret, and both sides agree", async () => {
    const old = (await call("legacy", "POST", "/login")).cookie!;
    const seen = await call("oursRotated", "GET", "/me", old);
    expect(seen.body.data).toEqual({ user: "ann", cart: ["book"] });
    const resigned = seen.cookie!;
    expect(resigned).toBeDefined();
    expect(resigned).not.toBe(old);
    // express-session with the same rotated list and with only the new secret accepts the re-signed cookie.
    expect((await call("legacyRotated", "GET", "/me", resigned)).body.data).toEqual({ user: "ann", cart: ["book"] });
    expect((await call("legacyNewOnly", "GET", "/me", resigned)).body.data).toEqual({ user: "ann", cart: ["book"] });
    // …and an app still on the old secret alone does not.
    expect((await call("legacy", "GET", "/me", resigned)).body.data).toEqual({});

    // The other way: express-session with the rotated list logs in (signs with S2); unsession with [S2, S1] reads it.
    const fresh = (await call("legacyRotated", "POST", "/login")).cookie!;
    expect((await call("oursRotated", "GET", "/me", fresh)).body.data).toEqual({ user: "ann", cart: ["book"] });
    expect((await call("ours", "GET", "/me", fresh)).body.data).toEqual({});
  });

  it("a Hono app on the Hono adapter sees the same sessions", async () => {
    const legacy = (await call("legacy", "POST", "/login")).cookie!;
    const viaHono = await call("hono", "GET", "/me", legacy);
    expect(viaHono.body.data).toMatchObject({ user: "ann", cart: ["book"] });
    const ours = (await call("ours", "POST", "/login")).cookie!;
    expect((await call("hono", "GET", "/me", ours)).body.data).toMatchObject({ user: "ann", cart: ["book"] });
  });
});
