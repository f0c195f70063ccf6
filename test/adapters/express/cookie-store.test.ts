/**
 * The Express adapter with `store: cookieStore()`: express-session's API (req.session, regenerate, destroy,
 * save, reload) on sessions sealed in the cookie, over a real Node server.
 */
import { afterEach, describe, expect, it } from "vitest";
import session from "../../../adapters/express/index.ts";
import { cookieStore, encryptedStore, memoryStore } from "../../../src/index.ts";
import { client, listen, SECRET, sessionApp, setCookies, type Listening } from "./helpers.ts";

let server: Listening | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(extra: Record<string, unknown> = {}) {
  const { app, errors } = await sessionApp(
    session({ secret: SECRET, resave: false, saveUninitialized: false, store: cookieStore() as never, cookie: { maxAge: 60_000 }, ...extra }),
    (a) => {
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
      a.get("/big", (req: any, res: any) => {
        req.session.blob = "x".repeat(5000);
        res.send("big");
      });
    },
  );
  server = await listen(app);
  return { c: client(server.url), errors };
}

describe("express: cookieStore()", () => {
  it("counts, logs in with regenerate and out with destroy, with the session sealed in connect.sid", async () => {
    const { c } = await start();
    expect(await c.text("/views")).toBe("1");
    expect(c.cookie).toMatch(/^connect\.sid=u1\.[A-Za-z0-9_-]+\.[0-9a-z]+\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(await c.text("/views")).toBe("2");
    const before = c.cookie;
    expect(await c.text("/login")).toBe("in");
    expect(c.cookie).not.toBe(before);
    const after = await (await c.fetch("/get")).json();
    expect(after.data).toMatchObject({ user: "ann" });
    expect(after.data.views).toBeUndefined();
    expect(after.id).toMatch(/^[A-Za-z0-9_-]{32}$/);
    // req.sessionID is stable across requests: it travels in the seal.
    expect((await (await c.fetch("/get")).json()).id).toBe(after.id);
    const out = await c.fetch("/destroy");
    expect(setCookies(out)[0]).toMatch(/^connect\.sid=;/);
    expect(c.cookie).toBeUndefined();
  });

  it("sends no cookie on a request that changes nothing", async () => {
    const { c } = await start();
    await c.text("/views");
    expect(setCookies(await c.fetch("/noop"))).toEqual([]);
  });

  // The status is the adapter's affair (a commit failing at res.end, after the handler chose its status, reaches
  // the error handler as express-session's failed saves do); what matters here: no cookie, the error reported.
  it("reports ERR_COOKIE_SIZE to the error handler when the session outgrows a cookie, and sends no cookie", async () => {
    const { c, errors } = await start();
    const response = await c.fetch("/big");
    expect(setCookies(response)).toEqual([]);
    expect(errors.map((e) => e.code)).toEqual(["ERR_COOKIE_SIZE"]);
  });
});

describe("express: encryptedStore()", () => {
  it("keeps records sealed at rest behind express-session's API", async () => {
    const inner = memoryStore();
    const keys: string[] = [];
    const spy = { get: (k: string) => inner.get(k), set: (k: string, v: string, t: number) => (keys.push(k), inner.set(k, v, t)), delete: (k: string) => inner.delete(k) };
    const { app } = await sessionApp(
      session({ secret: SECRET, resave: false, saveUninitialized: false, store: encryptedStore(spy, { password: "express-encrypted-password-0123456789ab" }) as never }),
      (a) => a.get("/views", (req: any, res: any) => res.send(String((req.session.views = (req.session.views ?? 0) + 1)))),
    );
    server = await listen(app);
    const c = client(server.url);
    expect(await c.text("/views")).toBe("1");
    expect(await c.text("/views")).toBe("2");
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(inner.get(key)).toMatch(/^u1\./);
  });
});
