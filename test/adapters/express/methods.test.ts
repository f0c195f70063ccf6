import { createServer } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import session, { Cookie, MemoryStore, Session, Store } from "../../../adapters/express/index.ts";
import { client, cookieOf, dataOf, listen, SECRET, sessionApp, setCookies, spyStore, type Listening } from "./helpers.ts";

let server: Listening | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const start = async (setup?: (app: any) => void, options: Parameters<typeof session>[0] = {}) => {
  const spy = spyStore(Store);
  const { app, nextError } = await sessionApp(session({ secret: SECRET, resave: false, saveUninitialized: false, store: spy.store, ...options }), setup);
  server = await listen(app);
  return { spy, c: client(server.url), nextError };
};

describe("express: req.session methods", () => {
  it("keeps data as plain properties, JSON-shaped like express-session's records", async () => {
    const { spy, c } = await start((a) =>
      a.get("/views", (req: any, res: any) => {
        req.session.views = (req.session.views ?? 0) + 1;
        req.session.nested ??= { list: [] };
        req.session.nested.list.push(req.session.views);
        res.send(String(req.session.views));
      }),
    );
    expect(await c.text("/views")).toBe("1");
    expect(await c.text("/views")).toBe("2");
    const record = JSON.parse([...spy.data.values()][0]!);
    expect(record).toMatchObject({ views: 2, nested: { list: [1, 2] }, cookie: { originalMaxAge: null, path: "/", httpOnly: true } });
  });

  it("req.session is an instance of Session, with id, cookie and req; Object.keys lists the data and cookie, as express-session's", async () => {
    const { c } = await start((a) =>
      a.get("/shape", (req: any, res: any) =>
        res.json({
          isSession: req.session instanceof Session,
          sameReq: req.session.req === req,
          idMatches: req.session.id === req.sessionID,
          keys: Object.keys(req.session),
          hasCookie: typeof req.session.cookie?.maxAge !== "undefined",
          store: req.sessionStore instanceof Store,
        }),
      ),
    );
    expect(await (await c.fetch("/shape")).json()).toEqual({ isSession: true, sameReq: true, idMatches: true, keys: ["cookie"], hasCookie: true, store: true });
  });

  it("regenerate(cb): new ID, empty data, old record removed; the new session is saved", async () => {
    const { spy, c } = await start((a) =>
      a.get("/login", (req: any, res: any, next: any) => {
        const before = req.sessionID;
        req.session.regenerate((err: unknown) => {
          if (err) return next(err);
          req.session.user = "ann";
          res.json({ before, after: req.sessionID, data: dataOf(req.session) });
        });
      }),
    );
    await c.fetch("/set?anon=1");
    const oldCookie = c.cookie!;
    const res = await c.fetch("/login");
    const body = await res.json();
    expect(body.after).not.toBe(body.before);
    expect(body.data).toEqual({ user: "ann" });
    expect(spy.data.has(body.before)).toBe(false);
    expect(cookieOf(res)).not.toBe(oldCookie);
    expect(await (await c.fetch("/get")).json()).toEqual({ id: body.after, data: { user: "ann" } });
    // The old cookie is dead.
    const replay = await (await fetch(server!.url + "/get", { headers: { cookie: oldCookie } })).json();
    expect(replay.data).toEqual({});
  });

  it("regenerate without further changes still saves the new session (express-session treats a new ID as a change)", async () => {
    const { spy, c } = await start();
    await c.fetch("/set?a=1");
    const res = await c.fetch("/regenerate");
    expect(setCookies(res)).toHaveLength(1);
    expect(spy.data.size).toBe(1);
  });

  it("destroy(cb): record removed, req.session gone, cookie cleared", async () => {
    const { spy, c } = await start((a) =>
      a.get("/logout", (req: any, res: any, next: any) =>
        req.session.destroy((err: unknown) => (err ? next(err) : res.json({ session: req.session ?? null }))),
      ),
    );
    await c.fetch("/set?a=1");
    const res = await c.fetch("/logout");
    expect(await res.json()).toEqual({ session: null });
    expect(spy.data.size).toBe(0);
    expect(setCookies(res)[0]).toMatch(/^connect\.sid=;.*Max-Age=0/);
  });

  it("reload(cb): drops this request's changes and reads the stored data again", async () => {
    const { spy, c } = await start((a) =>
      a.get("/reload-it", (req: any, res: any, next: any) => {
        req.session.a = "changed";
        // Another request changed the record meanwhile.
        const sid = req.sessionID;
        const stored = JSON.parse(spy.data.get(sid)!);
        stored.b = "from elsewhere";
        spy.data.set(sid, JSON.stringify(stored));
        req.session.reload((err: unknown) => (err ? next(err) : res.json(dataOf(req.session))));
      }),
    );
    await c.fetch("/set?a=1");
    expect(await (await c.fetch("/reload-it")).json()).toEqual({ a: "1", b: "from elsewhere" });
  });

  it("reload(cb) on a session that is not stored reports 'failed to load session'", async () => {
    const { c, nextError } = await start();
    const res = await c.fetch("/reload");
    expect(res.status).toBe(500);
    expect((await nextError()).message).toBe("failed to load session");
  });

  it("save(cb): writes now, and the end of the response does not write again", async () => {
    const { spy, c } = await start((a) =>
      a.get("/save-now", (req: any, res: any, next: any) => {
        req.session.a = "saved";
        req.session.save((err: unknown) => {
          if (err) return next(err);
          res.json({ writes: spy.count("set") });
        });
      }),
    );
    const res = await c.fetch("/save-now");
    expect(await res.json()).toEqual({ writes: 1 });
    expect(spy.count("set")).toBe(1);
    expect(setCookies(res)).toHaveLength(1);
  });

  it("save(cb) before a redirect: the next request sees the data", async () => {
    const { c } = await start((a) =>
      a.get("/form", (req: any, res: any) => {
        req.session.flash = "done";
        req.session.save(() => res.redirect("/get"));
      }),
    );
    const res = await c.fetch("/form");
    expect(res.status).toBe(302);
    expect(await (await c.fetch("/get")).json()).toMatchObject({ data: { flash: "done" } });
  });

  it("touch(): an unchanged session's idle deadline is written this request", async () => {
    const { spy, c } = await start((a) =>
      a.get("/touch", (req: any, res: any) => {
        req.session.touch();
        res.send("ok");
      }),
    );
    await c.fetch("/set?a=1");
    spy.reset();
    await c.fetch("/noop");
    expect(spy.count("set")).toBe(0);
    await c.fetch("/touch");
    expect(spy.count("set")).toBe(1);
  });

  it("exposes req.sessionStore: the store given, or the default MemoryStore", async () => {
    const { c, spy } = await start((a) => a.get("/store", (req: any, res: any) => res.json({ same: req.sessionStore === spy.store })));
    expect(await (await c.fetch("/store")).json()).toEqual({ same: true });
    await server!.close();
    const { app } = await sessionApp(session({ secret: SECRET, resave: false, saveUninitialized: false }), (a) =>
      a.get("/store", (req: any, res: any) => res.json({ memory: req.sessionStore instanceof MemoryStore })),
    );
    server = await listen(app);
    expect(await (await fetch(server.url + "/store")).json()).toEqual({ memory: true });
  });

  it("skips when req.session already exists (two session middlewares)", async () => {
    const { default: express } = await import("express");
    const app = express();
    const first = session({ secret: SECRET, resave: false, saveUninitialized: false, name: "first" });
    const second = session({ secret: SECRET, resave: false, saveUninitialized: false, name: "second" });
    app.use(first, second, (req: any, res: any) => {
      req.session.a = 1;
      res.send("ok");
    });
    server = await listen(app);
    const res = await fetch(server.url + "/");
    expect(res.headers.getSetCookie().map((l) => l.split("=")[0])).toEqual(["first"]);
  });
});

describe("express: plain Node http, no Express", () => {
  it("works as (req, res, next) middleware on http.createServer", async () => {
    const mw = session({ secret: SECRET, resave: false, saveUninitialized: false, cookie: { maxAge: 60_000 } });
    const handler = (req: any, res: any) =>
      mw(req, res, (err?: unknown) => {
        if (err) {
          res.statusCode = 500;
          return res.end("error");
        }
        req.session.views = (req.session.views ?? 0) + 1;
        res.setHeader("content-type", "text/plain");
        res.end(`views: ${req.session.views}`);
      });
    server = await listen(handler);
    const c = client(server.url);
    expect(await c.text("/")).toBe("views: 1");
    expect(await c.text("/")).toBe("views: 2");
    expect(await c.text("/")).toBe("views: 3");
  });

  it("commits before explicit writeHead, and while streaming with write()", async () => {
    const mw = session({ secret: SECRET, resave: false, saveUninitialized: false });
    const handler = (req: any, res: any) =>
      mw(req, res, () => {
        if (req.url === "/stream") {
          req.session.streamed = true;
          res.writeHead(200, { "content-type": "text/plain" });
          res.write("a");
          req.session.later = "after headers";
          setImmediate(() => res.end("b"));
        } else {
          res.end(JSON.stringify(dataOf(req.session)));
        }
      });
    server = await listen(handler);
    const c = client(server.url);
    const res = await c.fetch("/stream");
    expect(await res.text()).toBe("ab");
    expect(setCookies(res)).toHaveLength(1);
    // Changes made after the headers went out are still saved at the end.
    expect(JSON.parse(await c.text("/"))).toEqual({ streamed: true, later: "after headers" });
  });

  it("keeps the response intact around a slow store write (status, headers, body)", async () => {
    const slow = spyStore(Store);
    const set = slow.store.set;
    slow.store.set = function (this: any, sid: string, sess: any, cb: any) {
      setTimeout(() => set.call(this, sid, sess, cb), 20);
    };
    const mw = session({ secret: SECRET, resave: false, saveUninitialized: false, store: slow.store });
    server = await listen((req: any, res: any) =>
      mw(req, res, () => {
        req.session.a = 1;
        res.statusCode = 201;
        res.setHeader("x-app", "yes");
        res.write("part1-");
        res.end("part2");
      }),
    );
    const res = await fetch(server.url + "/");
    expect(res.status).toBe(201);
    expect(res.headers.get("x-app")).toBe("yes");
    expect(await res.text()).toBe("part1-part2");
    expect(setCookies(res)).toHaveLength(1);
    expect(slow.data.size).toBe(1);
  });

  it("a standalone Session (new Session(req, data)) saves through req.sessionStore", async () => {
    const spy = spyStore(Store);
    const req: any = { sessionID: "standalone-id-0123456789", sessionStore: spy.store };
    const s = new Session(req, { a: 1, cookie: { path: "/" } });
    expect(s.id).toBe("standalone-id-0123456789");
    await new Promise<void>((resolve, reject) => s.save((err?: unknown) => (err ? reject(err) : resolve())));
    expect(JSON.parse(spy.data.get("standalone-id-0123456789")!)).toEqual({ a: 1, cookie: { path: "/" } });
    void createServer;
  });

  it("a hand-built Session takes a cookie assigned after construction, as express-session's generate does", () => {
    const s = new Session({ sessionID: "hand-built-id-0123456789" });
    s.cookie = new Cookie({ maxAge: 1000 });
    expect(s.cookie.originalMaxAge).toBe(1000);
    expect(JSON.parse(JSON.stringify(s))).toMatchObject({ cookie: { originalMaxAge: 1000, path: "/" } });
  });
});

describe("express: core options passed through", () => {
  it("onEvent receives lifecycle events with hashed IDs only", async () => {
    const events: { type: string; sid?: string }[] = [];
    const { c } = await start(undefined, { onEvent: (e) => events.push(e) });
    await c.fetch("/set?a=1");
    await c.fetch("/regenerate");
    await c.fetch("/destroy");
    await expect.poll(() => events.map((e) => e.type)).toEqual(expect.arrayContaining(["created", "regenerated", "destroyed"]));
    for (const e of events) if (e.sid) expect(e.sid).toMatch(/^[0-9a-f]{16}$/);
  });

  it("idleTimeout (seconds) caps the cookie and the server-side deadline", async () => {
    const { c } = await start(undefined, { idleTimeout: 30, cookie: { maxAge: 3_600_000 } });
    const res = await c.fetch("/set?a=1");
    const maxAge = Number(/Max-Age=(\d+)/.exec(setCookies(res)[0]!)![1]);
    expect(maxAge).toBeLessThanOrEqual(30);
    expect(maxAge).toBeGreaterThan(25);
  });
});

describe("express: store-level helpers", () => {
  it("req.sessionStore.regenerate(req, cb) regenerates the request's session", async () => {
    const { c, spy } = await start((a) =>
      a.get("/store-regenerate", (req: any, res: any, next: any) => {
        const before = req.sessionID;
        req.sessionStore.regenerate(req, (err: unknown) => (err ? next(err) : res.json({ changed: req.sessionID !== before, data: dataOf(req.session) })));
      }),
    );
    await c.fetch("/set?a=1");
    expect(await (await c.fetch("/store-regenerate")).json()).toEqual({ changed: true, data: {} });
    expect(spy.data.size).toBe(1);
  });

  it("regenerate() and destroy() without a callback do not crash the process on a store error", async () => {
    const { c, spy } = await start((a) =>
      a.get("/fire-and-forget", (req: any, res: any) => {
        req.session.destroy();
        res.send("ok");
      }),
    );
    await c.fetch("/set?a=1");
    spy.failing.add("destroy");
    expect(await c.text("/fire-and-forget")).toBe("ok");
  });
});
