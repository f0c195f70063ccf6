/**
 * The checklist items an adapter can change, through the Hono middleware (app.request) and the Express
 * adapter (a real server on 127.0.0.1). Where the Express adapter keeps express-session's behaviour on
 * purpose, the test says so and docs/security.md lists it.
 */
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { sign as csSign } from "cookie-signature";
import express from "express";
import { Hono } from "hono";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { session as expressSession, type ExpressSessionOptions } from "../../adapters/express/index.ts";
import { session as honoSession, type HonoSessionOptions, type SessionEnv } from "../../adapters/hono.ts";
import { DRIVER_MESSAGE, SECRET, attrs, faultyStore, idIn, type FaultyStore } from "./harness.ts";

type Data = { user?: string; note?: string };

interface Target {
  store: FaultyStore;
  key(id: string): string;
  get(path: string, cookie?: string | null, headers?: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
}

/** Requests to /slow wait for this before changing the session (a slow handler). */
let slowGate: Promise<void> = Promise.resolve();

const pair = (response: Response): string | null => response.headers.get("set-cookie")?.split(";")[0] ?? null;

function honoTarget(options: Partial<HonoSessionOptions> = {}): Target {
  const store = faultyStore();
  const root = new Hono<SessionEnv<Data>>();
  root.use(honoSession<Data>({ secret: SECRET, store, storeTimeout: 100, ...options }));
  // The same routes at / and under /app (for the cookie Path test).
  const app = new Hono<SessionEnv<Data>>();
  app.get("/login", async (c) => {
    const s = c.get("session");
    await s.regenerate();
    s.data.user = "alice";
    return c.json({ ok: true });
  });
  app.get("/set", (c) => {
    c.get("session").data.note = c.req.query("v") ?? "x";
    return c.json({ ok: true });
  });
  app.get("/slow", async (c) => {
    const s = c.get("session");
    await slowGate;
    s.data.note = "late";
    return c.json({ ok: true });
  });
  app.get("/logout", async (c) => {
    await c.get("session").destroy();
    return c.json({ out: true });
  });
  app.get("/redirect", async (c) => {
    const s = c.get("session");
    await s.regenerate();
    s.data.user = "alice";
    return c.redirect("/home", 302);
  });
  app.get("*", (c) => {
    const s = c.get("session");
    return c.json({ user: s.data.user ?? null, note: s.data.note ?? null });
  });
  root.route("/app", app);
  root.route("/", app);
  return {
    store,
    key: (id) => `sess:${id}`,
    get: async (path, cookie, headers = {}) => root.request(`http://127.0.0.1${path}`, { headers: { ...headers, ...(cookie ? { cookie } : {}) } }),
    close: async () => {},
  };
}

async function expressTarget(options: Partial<ExpressSessionOptions> = {}): Promise<Target> {
  const store = faultyStore();
  const app = express();
  app.set("env", "production");
  if (options.proxy === undefined) app.set("trust proxy", false);
  app.use(expressSession({ secret: SECRET, store, name: "sid", resave: false, saveUninitialized: false, storeTimeout: 100, ...options }) as express.RequestHandler);
  const router = express.Router();
  type Req = express.Request & { session: Data & { regenerate(cb: (e?: unknown) => void): void; destroy(cb: (e?: unknown) => void): void } };
  // Outside the cookie Path, express-session (and this adapter) leave req.session unset.
  router.use((req, res, next) => ((req as Req).session ? next() : res.json({ user: null, note: null })));
  router.get("/login", (req, res, next) => {
    const r = req as Req;
    r.session.regenerate((err) => {
      if (err) return next(err);
      (r as Req).session.user = "alice";
      res.json({ ok: true });
    });
  });
  router.get("/set", (req, res) => {
    (req as Req).session.note = String(req.query.v ?? "x");
    res.json({ ok: true });
  });
  router.get("/slow", (req, res) => {
    void slowGate.then(() => {
      (req as Req).session.note = "late";
      res.json({ ok: true });
    });
  });
  router.get("/logout", (req, res, next) => {
    (req as Req).session.destroy((err) => (err ? next(err) : res.json({ out: true })));
  });
  router.get("/redirect", (req, res, next) => {
    const r = req as Req;
    r.session.regenerate((err) => {
      if (err) return next(err);
      (r as Req).session.user = "alice";
      res.redirect(302, "/home");
    });
  });
  router.get("/{*rest}", (req, res) => {
    const s = (req as Req).session;
    res.json({ user: s.user ?? null, note: s.note ?? null });
  });
  app.use("/app", router);
  app.use(router);
  const server: Server = createServer(app);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  return {
    store,
    key: (id) => id, // a core SessionStore given to the Express adapter gets bare IDs
    get: (path, cookie, headers = {}) => fetch(`http://127.0.0.1:${port}${path}`, { headers: { ...headers, ...(cookie ? { cookie } : {}) }, redirect: "manual" }),
    close: () =>
      new Promise((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

/** A plain error body: no driver message, stack, key or ID. */
async function plain(response: Response, id?: string): Promise<string> {
  const body = await response.text();
  for (const bad of [DRIVER_MESSAGE, "ECONNREFUSED", "sess:", "[unsession]", "UnsessionError", "    at "]) expect(body).not.toContain(bad);
  if (id) expect(body).not.toContain(id);
  return body;
}

const targets: [string, (options?: Record<string, unknown>) => Target | Promise<Target>][] = [
  ["hono", (o) => honoTarget(o as Partial<HonoSessionOptions>)],
  ["express", (o) => expressTarget(o as Partial<ExpressSessionOptions>)],
];

for (const [name, make] of targets) {
  describe(`checklist through the ${name} adapter`, () => {
    let t: Target;
    let custom = false;
    const open = async (options?: Record<string, unknown>) => {
      if (t) await t.close();
      t = await make(options);
      custom = options !== undefined;
      return t;
    };
    beforeAll(() => open());
    afterEach(async () => {
      t.store.faults = {};
      if (custom) await open();
    });
    afterAll(() => t.close());

    it("4: a forged or unknown-secret cookie is anonymous with zero store reads", async () => {
      t.store.reset();
      const forged = `sid=${encodeURIComponent("s:" + csSign("x".repeat(43), "another-secret-of-at-least-32-characters"))}`;
      expect(await (await t.get("/me", forged)).json()).toEqual({ user: null, note: null });
      expect(t.store.reads).toBe(0);
    });

    it("5: a validly signed ID never issued is not adopted", async () => {
      const planted = "plantedPlantedPlanted0123456789abcdefghijk";
      const response = await t.get("/set?v=mine", `sid=${encodeURIComponent("s:" + csSign(planted, SECRET))}`);
      expect(idIn(pair(response)!)).not.toBe(planted);
      expect(t.store.raw.has(t.key(planted))).toBe(false);
    });

    it("6, 8: HttpOnly by default; SameSite as documented for this adapter", async () => {
      const setCookie = (await t.get("/login")).headers.get("set-cookie")!;
      const a = attrs(setCookie);
      expect(a.httponly).toBe(true);
      // Hono: the core's default (Lax). Express: express-session's default (no SameSite attribute) unless configured.
      if (name === "hono") expect(String(a.samesite).toLowerCase()).toBe("lax");
      else expect(a.samesite).toBeUndefined();
    });

    it("8: SameSite=None without Secure is refused at construction", async () => {
      const options = name === "hono" ? { cookie: { sameSite: "none", secure: false } } : { cookie: { sameSite: "none", secure: false } };
      await expect(Promise.resolve().then(() => make(options))).rejects.toThrow();
    });

    it("7: X-Forwarded-Proto is ignored unless the adapter is told to trust the proxy", async () => {
      const headers = { "x-forwarded-proto": "https" };
      await open(name === "hono" ? { cookie: { secure: "auto" } } : { cookie: { secure: "auto" } });
      expect(attrs((await t.get("/login", null, headers)).headers.get("set-cookie")!).secure).toBeUndefined();
      await open({ proxy: true, cookie: { secure: "auto" } });
      expect(attrs((await t.get("/login", null, headers)).headers.get("set-cookie")!).secure).toBe(true);
    });

    it("10: a request outside the cookie Path causes no store access", async () => {
      await open({ cookie: { path: "/app" } });
      const cookie = pair(await t.get("/app/login"))!;
      t.store.reset();
      for (const path of ["/login", "/set?v=x", "/other/me"]) expect((await t.get(path, cookie)).headers.get("set-cookie")).toBeNull();
      // "/application" is not inside "/app": the core matches whole path segments (express-session matched a bare prefix).
      expect(await (await t.get("/application/me", cookie)).json()).toEqual({ user: null, note: null });
      expect(t.store.reads).toBe(0);
      expect(await (await t.get("/app/me", cookie)).json()).toEqual({ user: "alice", note: null });
    });

    it("12, 29: the ID stays out of Location and body; Set-Cookie responses carry Cache-Control: no-store", async () => {
      const response = await t.get("/redirect");
      const id = idIn(pair(response)!);
      expect(response.status).toBe(302);
      expect(response.headers.get("location")).not.toContain(id);
      expect(await response.text()).not.toContain(id);
      expect(response.headers.get("cache-control")).toBe("no-store");
    });

    it("13, 14: regenerate kills the old ID; logout removes the record and clears the cookie", async () => {
      const before = pair(await t.get("/set?v=pre"))!;
      const after = pair(await t.get("/login", before))!;
      expect(idIn(after)).not.toBe(idIn(before));
      expect(t.store.raw.has(t.key(idIn(before)))).toBe(false);
      expect(await (await t.get("/me", before)).json()).toEqual({ user: null, note: null });
      const logout = await t.get("/logout", after);
      const clear = logout.headers.get("set-cookie")!;
      expect(clear.startsWith("sid=;")).toBe(true);
      expect(attrs(clear).path).toBe("/");
      expect(logout.headers.get("cache-control")).toBe("no-store");
      expect(t.store.raw.has(t.key(idIn(after)))).toBe(false);
    });

    it("18: a request that never writes gets no cookie and no store write", async () => {
      t.store.reset();
      const response = await t.get("/me");
      expect(response.headers.get("set-cookie")).toBeNull();
      expect(t.store.writes).toBe(0);
    });

    it("23, 27: a store read error stops the request with a plain 5xx", async () => {
      const cookie = pair(await t.get("/login"))!;
      t.store.faults.get = "fail";
      const response = await t.get("/set?v=x", cookie);
      // Hono answers 503. Express gets the store's own error in next(err), as under express-session, and its
      // error handler answers 500.
      expect(response.status).toBe(name === "hono" ? 503 : 500);
      expect(response.headers.get("set-cookie")).toBeNull();
      await plain(response, idIn(cookie));
    });

    it("24: a hung store read becomes a 503 within storeTimeout", async () => {
      const cookie = pair(await t.get("/login"))!;
      t.store.faults.get = "hang";
      expect((await t.get("/me", cookie)).status).toBe(503);
    });

    it("25: a failed write on login sends no cookie for the unsaved ID", async () => {
      t.store.faults.set = "fail";
      const response = await t.get("/login");
      expect(response.headers.get("set-cookie")).toBeNull();
      // Hono answers 503. Express keeps express-session's behaviour: the handler's response goes out and the
      // error reaches next(err) afterwards (Express logs it); either way no cookie names an unsaved ID.
      expect(response.status).toBe(name === "hono" ? 503 : 200);
      await plain(response);
    });

    it("26: a failed destroy still clears the cookie and reports the error", async () => {
      const cookie = pair(await t.get("/login"))!;
      t.store.faults.delete = "fail";
      const response = await t.get("/logout", cookie);
      expect(response.status).toBeGreaterThanOrEqual(500);
      expect(response.headers.get("set-cookie")).toMatch(/^sid=;/);
      await plain(response, idIn(cookie));
    });

    it("33: a logout is not undone by a slower request on the same session", async () => {
      const cookie = pair(await t.get("/login"))!;
      let release!: () => void;
      slowGate = new Promise<void>((r) => (release = r));
      const slow = t.get("/slow", cookie); // loads the session, then waits inside its handler
      await new Promise((r) => setTimeout(r, 30));
      const logout = await t.get("/logout", cookie);
      expect(logout.headers.get("set-cookie")).toMatch(/^sid=;/);
      release();
      await (await slow).text();
      slowGate = Promise.resolve();
      expect(t.store.raw.has(t.key(idIn(cookie)))).toBe(false);
      expect(await (await t.get("/me", cookie)).json()).toEqual({ user: null, note: null });
    });
  });
}

describe("express-session defaults the Express adapter keeps (docs/security.md, items 7, 8, 18)", () => {
  it("without options: no SameSite, no Secure, and an untouched new session is saved (saveUninitialized: true)", async () => {
    const store = faultyStore();
    const app = express();
    app.use(expressSession({ secret: SECRET, store, name: "sid" }) as express.RequestHandler);
    app.get("/", (_req, res) => void res.send("ok"));
    const server = createServer(app);
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    try {
      const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      const setCookie = response.headers.get("set-cookie")!;
      expect(setCookie).toBeTruthy();
      expect(store.writes).toBe(1);
      const a = attrs(setCookie);
      expect(a.httponly).toBe(true);
      expect(a.samesite).toBeUndefined();
      expect(a.secure).toBeUndefined();
    } finally {
      server.close();
      server.closeAllConnections();
    }
  });
});
