import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inherits } from "node:util";
import { EventEmitter } from "node:events";
import { RedisStore } from "connect-redis";
import { createClient } from "redis";
import { createStorage } from "unstorage";
import memoryDriver from "unstorage/drivers/memory";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import session, { MemoryStore, Store, StorageStore, Cookie, Session } from "../../../adapters/express/index.ts";
import { client, listen, SECRET, sessionApp, type Listening } from "./helpers.ts";

const require = createRequire(import.meta.url);
const REDIS_URL = process.env.REDIS_URL;
const DATABASE_URL = process.env.DATABASE_URL;
if (!REDIS_URL) console.warn("[express stores] REDIS_URL is not set: the connect-redis tests are skipped");
if (!DATABASE_URL) console.warn("[express stores] DATABASE_URL is not set: the connect-pg-simple tests are skipped");

let server: Listening | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** The same scenario on every store: counts views, logs in with regenerate, logs out with destroy. */
async function scenario(store: any) {
  const { app } = await sessionApp(session({ secret: SECRET, resave: false, saveUninitialized: false, store, cookie: { maxAge: 60_000 } }), (a) => {
    a.get("/views", (req: any, res: any) => {
      req.session.views = (req.session.views ?? 0) + 1;
      res.send(String(req.session.views));
    });
    a.get("/login", (req: any, res: any, next: any) =>
      req.session.regenerate((err: unknown) => {
        if (err) return next(err);
        req.session.user = "ann";
        res.send("in");
      }),
    );
  });
  server = await listen(app);
  const c = client(server.url);
  expect(await c.text("/views")).toBe("1");
  expect(await c.text("/views")).toBe("2");
  expect(await c.text("/login")).toBe("in");
  const after = await (await c.fetch("/get")).json();
  // session-file-store adds its own __lastAccess to the data, as it does under express-session.
  expect(after.data).toMatchObject({ user: "ann" });
  expect(after.data.views).toBeUndefined();
  const stored: any = await new Promise((resolve, reject) => store.get(after.id, (err: unknown, sess: unknown) => (err ? reject(err) : resolve(sess))));
  expect(stored).toMatchObject({ user: "ann", cookie: { originalMaxAge: 60_000, httpOnly: true, path: "/" } });
  expect(await c.text("/destroy")).toBe("ok");
  const gone = await new Promise((resolve, reject) => store.get(after.id, (err: any, sess: unknown) => (err && err.code !== "ENOENT" ? reject(err) : resolve(sess ?? null))));
  expect(gone).toBeNull();
}

describe("express: exports", () => {
  it("exports Store, MemoryStore, Session and Cookie, also as properties of the default export", () => {
    expect(session.Store).toBe(Store);
    expect(session.MemoryStore).toBe(MemoryStore);
    expect(session.Session).toBe(Session);
    expect(session.Cookie).toBe(Cookie);
    expect(session.session).toBe(session);
    expect(new MemoryStore()).toBeInstanceOf(EventEmitter);
  });

  it("Store works with util.inherits + Store.call(this), like older stores", async () => {
    const records = new Map<string, string>();
    function OldStore(this: any) {
      Store.call(this);
    }
    inherits(OldStore, Store as any);
    OldStore.prototype.get = function (sid: string, cb: any) {
      const raw = records.get(sid);
      cb(null, raw ? JSON.parse(raw) : null);
    };
    OldStore.prototype.set = function (sid: string, sess: any, cb: any) {
      records.set(sid, JSON.stringify(sess));
      cb();
    };
    OldStore.prototype.destroy = function (sid: string, cb: any) {
      records.delete(sid);
      cb();
    };
    const store = new (OldStore as any)();
    expect(store).toBeInstanceOf(Store);
    expect(store).toBeInstanceOf(EventEmitter);
    await scenario(store);
  });

  it("Store's load() and createSession() give a session object with a Cookie", async () => {
    const store = new MemoryStore();
    await new Promise<void>((resolve) => store.set("load-id-0123456789", { a: 1, cookie: { originalMaxAge: 1000, expires: new Date(Date.now() + 1000).toISOString(), path: "/" } }, () => resolve()));
    const loaded: any = await new Promise((resolve, reject) => store.load("load-id-0123456789", (err: unknown, s: unknown) => (err ? reject(err) : resolve(s))));
    expect(loaded).toBeInstanceOf(Session);
    expect(loaded.id).toBe("load-id-0123456789");
    expect(loaded.a).toBe(1);
    expect(loaded.cookie).toBeInstanceOf(Cookie);
    expect(loaded.cookie.expires).toBeInstanceOf(Date);
    expect(loaded.cookie.originalMaxAge).toBe(1000);
  });

  it("Cookie behaves like express-session's: maxAge in ms, expires, originalMaxAge, toJSON", () => {
    const cookie = new Cookie({ maxAge: 5000, httpOnly: false });
    expect(cookie.originalMaxAge).toBe(5000);
    expect(cookie.maxAge).toBeGreaterThan(4900);
    expect(cookie.expires!.getTime()).toBeGreaterThan(Date.now());
    expect(cookie.toJSON()).toMatchObject({ originalMaxAge: 5000, httpOnly: false, path: "/" });
    expect(new Cookie().maxAge).toBeNull();
    // express-session's Cookie#serialize writes Expires (from cookie.data), not Max-Age.
    expect(cookie.serialize("n", "v")).toMatch(/^n=v; Path=\/; Expires=[^;]+ GMT$/);
    expect(() => new Cookie("x" as never)).toThrow(new TypeError("argument options must be a object"));
    expect(new Cookie(null as never).path).toBe("/");
    expect(new Cookie({ data: { path: "/x" } } as never).path).toBe("/");
    const until = new Date(Date.now() + 10_000);
    cookie.maxAge = until as never;
    expect(cookie.expires).toEqual(until);
  });
});

describe("express: MemoryStore (default)", () => {
  it("runs the scenario", async () => {
    await scenario(new MemoryStore());
  });

  it("has all, length and clear, and drops expired sessions", async () => {
    const store = new MemoryStore();
    const set = (sid: string, ms: number) =>
      new Promise<void>((resolve) => store.set(sid, { cookie: { originalMaxAge: ms, expires: new Date(Date.now() + ms).toISOString() }, n: sid }, () => resolve()));
    await set("live", 60_000);
    await set("dead", -1);
    const all: any = await new Promise((resolve) => store.all((_e, s) => resolve(s)));
    expect(Object.keys(all)).toEqual(["live"]);
    expect(await new Promise((resolve) => store.length((_e, n) => resolve(n)))).toBe(1);
    await new Promise<void>((resolve) => store.clear(() => resolve()));
    expect(await new Promise((resolve) => store.length((_e, n) => resolve(n)))).toBe(0);
  });

  it("is bounded by max", async () => {
    const store = new MemoryStore({ max: 3 });
    for (let i = 0; i < 10; i++) store.set(`s${i}`, { cookie: { expires: new Date(Date.now() + 60_000).toISOString() } });
    expect(await new Promise((resolve) => store.length((_e, n) => resolve(n)))).toBe(3);
  });
});

describe("express: unstorage Storage", () => {
  it("runs the scenario with records under sess:<id> and req.sessionStore as a callback Store", async () => {
    const storage = createStorage({ driver: memoryDriver() });
    const { app } = await sessionApp(session({ secret: SECRET, resave: false, saveUninitialized: false, store: storage }), (a) =>
      a.get("/store", (req: any, res: any) => res.json({ isStore: req.sessionStore instanceof StorageStore })),
    );
    server = await listen(app);
    const c = client(server.url);
    await c.fetch("/set?a=1");
    const keys = await storage.getKeys();
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^sess:[A-Za-z0-9_-]{32}$/);
    expect(JSON.parse((await storage.getItemRaw(keys[0]!)) as string)).toMatchObject({ a: "1", cookie: { path: "/" } });
    expect(await (await c.fetch("/store")).json()).toEqual({ isStore: true });
    await server.close();
    server = undefined;
    await scenario(new StorageStore(storage));
  });
});

describe("express: session-file-store", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "unsession-express-files-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("runs the scenario (subclass made with Store.call + __proto__)", async () => {
    const FileStore = require("session-file-store")(session);
    const store = new FileStore({ path: dir, retries: 0, reapInterval: -1, logFn: () => {} });
    await scenario(store);
    expect(readdirSync(dir).filter((f) => f.endsWith(".json"))).toEqual([]);
  });
});

describe.skipIf(!REDIS_URL)("express: connect-redis", () => {
  const prefix = `unsession-express-stores-${process.pid}-${Date.now()}:`;
  let redis: ReturnType<typeof createClient>;
  beforeAll(async () => {
    redis = createClient({ url: REDIS_URL });
    await redis.connect();
  });
  afterAll(async () => {
    for await (const keys of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 100 })) if (keys.length) await redis.del(keys);
    await redis.quit();
  });

  it("runs the scenario; records carry a Redis TTL from the cookie", async () => {
    const store = new RedisStore({ client: redis, prefix });
    await scenario(store);
    const { app } = await sessionApp(session({ secret: SECRET, resave: false, saveUninitialized: false, store, cookie: { maxAge: 120_000 } }));
    await server?.close();
    server = await listen(app);
    const c = client(server.url);
    await c.fetch("/set?a=1");
    const id = (await (await c.fetch("/get")).json()).id;
    const ttl = await redis.ttl(prefix + id);
    expect(ttl).toBeGreaterThan(100);
    expect(ttl).toBeLessThanOrEqual(120);
  });
});

describe.skipIf(!DATABASE_URL)("express: connect-pg-simple", () => {
  const table = `unsession_express_${process.pid}_${Date.now()}`;
  let pool: any;
  beforeAll(async () => {
    const pgModule = "pg"; // no type declarations are installed for pg
    const { default: pg } = await import(pgModule);
    pool = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
  });
  afterAll(async () => {
    await pool.query(`DROP TABLE IF EXISTS "${table}"`);
    await pool.end();
  });

  it("runs the scenario", async () => {
    const PgStore = require("connect-pg-simple")(session);
    const store = new PgStore({ pool, tableName: table, createTableIfMissing: true, pruneSessionInterval: false });
    await scenario(store);
    store.close();
  });
});
