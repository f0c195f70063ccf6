import { afterEach, describe, expect, it } from "vitest";
import session from "../../../adapters/express/index.ts";
import { attributes, client, cookieOf, listen, SECRET, sessionApp, setCookies, type Listening } from "./helpers.ts";

let server: Listening | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const start = async (options: Parameters<typeof session>[0], setup?: (app: any) => void) => {
  const { app, errors } = await sessionApp(session({ secret: SECRET, resave: false, saveUninitialized: false, ...options }), setup);
  server = await listen(app);
  return { c: client(server.url, options?.name), errors, url: server.url };
};

describe("express: cookie options", () => {
  it("defaults to express-session's cookie: connect.sid, Path=/, HttpOnly, no Secure, no SameSite, browser-session", async () => {
    const { c } = await start({});
    const res = await c.fetch("/set?a=1");
    const [line] = setCookies(res);
    expect(line).toMatch(/^connect\.sid=s%3A[A-Za-z0-9_-]{32}\.[A-Za-z0-9%]+;/);
    const attrs = attributes(line!);
    expect(attrs).toMatchObject({ path: "/", httponly: true });
    expect(attrs.secure).toBeUndefined();
    expect(attrs.samesite).toBeUndefined();
    expect(attrs["max-age"]).toBeUndefined();
    expect(attrs.expires).toBeUndefined();
  });

  it("takes maxAge in milliseconds and sends Max-Age in seconds and Expires", async () => {
    const { c } = await start({ cookie: { maxAge: 120_000 } });
    const attrs = attributes(setCookies(await c.fetch("/set?a=1"))[0]!);
    expect(Number(attrs["max-age"])).toBeGreaterThanOrEqual(119);
    expect(Number(attrs["max-age"])).toBeLessThanOrEqual(120);
    const expires = Date.parse(attrs.expires as string);
    expect(Math.abs(expires - (Date.now() + 120_000))).toBeLessThan(3000);
    const cookie = await (await c.fetch("/cookie")).json();
    expect(cookie.originalMaxAge).toBe(120_000);
    expect(cookie.maxAge).toBeGreaterThan(115_000);
    expect(cookie.maxAge).toBeLessThanOrEqual(120_000);
    expect(Date.parse(cookie.expires)).toBeGreaterThan(Date.now());
  });

  it("supports a fixed expires date", async () => {
    const expires = new Date(Date.now() + 3_600_000);
    const { c } = await start({ cookie: { expires } });
    const attrs = attributes(setCookies(await c.fetch("/set?a=1"))[0]!);
    expect(Math.abs(Date.parse(attrs.expires as string) - expires.getTime())).toBeLessThan(2000);
  });

  it("passes domain, sameSite, priority, partitioned, httpOnly false and a custom name", async () => {
    const { c } = await start({
      name: "app.sid",
      cookie: { domain: "127.0.0.1", sameSite: "strict", priority: "high", httpOnly: false },
    });
    const line = setCookies(await c.fetch("/set?a=1"), "app.sid")[0]!;
    const attrs = attributes(line);
    expect(attrs.domain).toBe("127.0.0.1");
    expect(String(attrs.samesite).toLowerCase()).toBe("strict");
    expect(String(attrs.priority).toLowerCase()).toBe("high");
    expect(attrs.httponly).toBeUndefined();
    expect(await c.text("/get")).toContain('"a":"1"');
  });

  it("sets Partitioned and SameSite=None with a secure cookie over https (proxy)", async () => {
    const { url } = await start({ proxy: true, cookie: { sameSite: "none", secure: true, partitioned: true } });
    const res = await fetch(url + "/set?a=1", { headers: { "x-forwarded-proto": "https" } });
    const attrs = attributes(setCookies(res)[0]!);
    expect(attrs).toMatchObject({ secure: true, partitioned: true });
    expect(String(attrs.samesite).toLowerCase()).toBe("none");
  });

  it("accepts sameSite true as Strict, like the cookie module", async () => {
    const { c } = await start({ cookie: { sameSite: true } });
    expect(String(attributes(setCookies(await c.fetch("/set?a=1"))[0]!).samesite).toLowerCase()).toBe("strict");
  });

  it("gives no session outside the cookie path (pathname mismatch)", async () => {
    const { url } = await start({ cookie: { path: "/app" } });
    const outside = await fetch(url + "/get");
    expect(await outside.json()).toEqual({ data: null, id: null });
    expect(setCookies(outside)).toEqual([]);
  });

  it("lets a session change its own maxAge (remember me) and sends the new expiry", async () => {
    const { c } = await start({ cookie: { maxAge: 60_000 } }, (app) =>
      app.get("/remember", (req: any, res: any) => {
        req.session.user = "ann";
        req.session.cookie.maxAge = 30 * 86_400_000;
        res.json({ maxAge: req.session.cookie.maxAge, original: req.session.cookie.originalMaxAge });
      }),
    );
    const res = await c.fetch("/remember");
    const body = await res.json();
    expect(body.original).toBe(30 * 86_400_000);
    expect(body.maxAge).toBeGreaterThan(29 * 86_400_000);
    const attrs = attributes(setCookies(res)[0]!);
    // The core caps the cookie at the server-side idle deadline, which follows the session's maxAge.
    expect(Number(attrs["max-age"])).toBeGreaterThan(29 * 86_400);
    const again = await (await c.fetch("/cookie")).json();
    expect(again.originalMaxAge).toBe(30 * 86_400_000);
  });

  it("turns a session into a browser-session cookie with cookie.maxAge = null", async () => {
    const { c } = await start({ cookie: { maxAge: 60_000 } }, (app) =>
      app.get("/session-only", (req: any, res: any) => {
        req.session.user = "ann";
        req.session.cookie.maxAge = null;
        res.json({ expires: req.session.cookie.expires, maxAge: req.session.cookie.maxAge });
      }),
    );
    const res = await c.fetch("/session-only");
    expect(await res.json()).toEqual({ expires: null, maxAge: null });
    const attrs = attributes(setCookies(res)[0]!);
    expect(attrs["max-age"]).toBeUndefined();
    expect(attrs.expires).toBeUndefined();
  });

  it("lets a session set its own cookie.expires date", async () => {
    const until = new Date(Date.now() + 2 * 3_600_000);
    const { c } = await start({ cookie: { maxAge: 60_000 } }, (app) =>
      app.get("/until", (req: any, res: any) => {
        req.session.user = "ann";
        req.session.cookie.expires = until;
        res.json({ expires: req.session.cookie.expires, originalMaxAge: req.session.cookie.originalMaxAge });
      }),
    );
    const res = await c.fetch("/until");
    const body = await res.json();
    expect(Date.parse(body.expires)).toBe(until.getTime());
    expect(body.originalMaxAge).toBeGreaterThan(2 * 3_600_000 - 5000);
    const attrs = attributes(setCookies(res)[0]!);
    expect(Math.abs(Date.parse(attrs.expires as string) - until.getTime())).toBeLessThan(2000);
  });

  it("does not set a cookie over http when cookie.secure is true (the session is still saved)", async () => {
    const { c, url } = await start({ cookie: { secure: true } });
    const res = await c.fetch("/set?a=1");
    expect(setCookies(res)).toEqual([]);
    expect(await res.text()).toBe("ok");
    void url;
  });

  // The core's caching rule (SECURITY.md item 29): a response that carries the cookie is never stored by a cache,
  // whatever the app set; a response without the cookie keeps the app's Cache-Control.
  it("adds Cache-Control: no-store when it sets the cookie, over the app's own; keeps the app's when no cookie goes out", async () => {
    const { c } = await start({}, (app) =>
      app.get("/cached", (req: any, res: any) => {
        req.session.a = 1;
        res.set("cache-control", "private, max-age=5").send("ok");
      }),
    );
    expect((await c.fetch("/set?a=1")).headers.get("cache-control")).toBe("no-store");
    c.cookie = undefined;
    const first = await c.fetch("/cached");
    expect(setCookies(first)).toHaveLength(1);
    expect(first.headers.get("cache-control")).toBe("no-store");
    const again = await c.fetch("/cached");
    expect(setCookies(again)).toEqual([]);
    expect(again.headers.get("cache-control")).toBe("private, max-age=5");
    expect(again.headers.get("vary")).toBe("Cookie");
  });

  it("keeps other Set-Cookie headers of the app", async () => {
    const { c } = await start({}, (app) =>
      app.get("/other", (req: any, res: any) => {
        req.session.a = 1;
        res.cookie("theme", "dark").send("ok");
      }),
    );
    const res = await c.fetch("/other");
    expect(res.headers.getSetCookie().map((l) => l.split("=")[0])).toEqual(["theme", "connect.sid"]);
    expect(cookieOf(res)).toBeDefined();
  });
});

describe("express: cookie options as a function of the request (express-session 1.19)", () => {
  it("resolves the options per request, sessions shared across variants", async () => {
    const seen: string[] = [];
    const { c, url } = await start({
      cookie: (req: any) => {
        seen.push(req.url);
        return req.headers["x-remember"] ? { maxAge: 3_600_000, sameSite: "strict" } : { sameSite: "lax" };
      },
    });
    const short = setCookies(await c.fetch("/set?a=1"))[0]!;
    expect(attributes(short)["max-age"]).toBeUndefined();
    expect(String(attributes(short).samesite).toLowerCase()).toBe("lax");
    const long = await fetch(url + "/set?b=2", { headers: { "x-remember": "1" } });
    const attrs = attributes(setCookies(long)[0]!);
    expect(Number(attrs["max-age"])).toBeGreaterThan(3500);
    expect(String(attrs.samesite).toLowerCase()).toBe("strict");
    // The session made under one variant is read under the other (same store, same cookie name).
    const body = await (await fetch(url + "/get", { headers: { cookie: c.cookie!, "x-remember": "1" } })).json();
    expect(body.data).toEqual({ a: "1" });
    expect(seen).toContain("/set?a=1");
  });

  it("reports invalid options from the function through next(err)", async () => {
    const { app, nextError } = await sessionApp(
      session({ secret: SECRET, resave: false, saveUninitialized: false, cookie: () => ({ sameSite: "none", secure: false }) }),
    );
    server = await listen(app);
    expect((await fetch(server.url + "/get")).status).toBe(500);
    expect((await nextError()).code).toBe("ERR_OPTIONS");
  });

  it("applies the path of the returned options", async () => {
    const { url } = await start({ cookie: () => ({ path: "/app" }) });
    expect(await (await fetch(url + "/get")).json()).toEqual({ data: null, id: null });
  });
});
