/**
 * The Express adapter as a drop-in, cookie side: the Set-Cookie express-session apps expect — explicit and past
 * expiries, per-session attribute changes on `req.session.cookie`, Partitioned without Secure, SameSite=None over
 * http, no cookie for a destroyed new session, an invalid `cookie.expires` reported when the cookie is set.
 * @module
 */
import { afterEach, describe, expect, it } from "vitest";
import session, { MemoryStore } from "../../../adapters/express/index.ts";
import { attributes, client, listen, SECRET, sessionApp, setCookies, type Listening } from "./helpers.ts";

let server: Listening | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(options: Parameters<typeof session>[0] = {}, setup?: (app: any) => void) {
  const { app, errors, nextError } = await sessionApp(session({ secret: SECRET, resave: false, saveUninitialized: false, ...options }), setup);
  server = await listen(app);
  return { c: client(server.url), errors, nextError };
}

describe("express drop-in: expiry", () => {
  it("cookie.expires = new Date(0) goes out as it is: Thu, 01 Jan 1970", async () => {
    const { c } = await start({}, (a) =>
      a.get("/expire-now", (req: any, res: any) => {
        req.session.a = 1;
        req.session.cookie.expires = new Date(0);
        res.send("ok");
      }),
    );
    const line = setCookies(await c.fetch("/expire-now"))[0]!;
    expect(attributes(line).expires).toBe("Thu, 01 Jan 1970 00:00:00 GMT");
    expect(attributes(line)["max-age"]).toBe("0");
  });

  it("cookie.expires given a Date in the options: that date in Expires and on req.session.cookie", async () => {
    const expires = new Date(Math.ceil((Date.now() + 3_600_000) / 1000) * 1000);
    const { c } = await start({ cookie: { expires } }, (a) =>
      a.get("/when", (req: any, res: any) => res.json({ expires: req.session.cookie.expires })),
    );
    const attrs = attributes(setCookies(await c.fetch("/set?a=1"))[0]!);
    expect(attrs.expires).toBe(expires.toUTCString());
    expect(Number(attrs["max-age"])).toBeGreaterThan(3500);
    expect(await (await c.fetch("/when")).json()).toEqual({ expires: expires.toISOString() });
  });

  it("maxAge in milliseconds becomes exactly that many seconds of Max-Age (rounded, not one short)", async () => {
    const { c } = await start({ cookie: { maxAge: 600_000 } });
    expect(attributes(setCookies(await c.fetch("/set?a=1"))[0]!)["max-age"]).toBe("600");
  });

  it("an invalid cookie.expires starts up, then fails the request that sets the cookie with 'option expires is invalid'", async () => {
    const { c, nextError, errors } = await start({ cookie: { expires: new Date("not a date") } });
    expect((await c.fetch("/noop")).status).toBe(200);
    expect(errors).toEqual([]);
    await c.fetch("/set?a=1");
    const err = await nextError();
    expect(err).toBeInstanceOf(TypeError);
    expect(err.message).toBe("option expires is invalid");
  });
});

describe("express drop-in: attributes", () => {
  it("req.session.cookie's attributes changed by a handler are this session's: HttpOnly, SameSite, Domain, Path, Priority", async () => {
    const { c } = await start({}, (a) =>
      a.get("/custom", (req: any, res: any) => {
        req.session.a = 1;
        Object.assign(req.session.cookie, { httpOnly: false, sameSite: "strict", domain: "127.0.0.1", path: "/custom", priority: "high" });
        res.send("ok");
      }),
    );
    const attrs = attributes(setCookies(await c.fetch("/custom"))[0]!);
    expect(attrs.httponly).toBeUndefined();
    expect(attrs).toMatchObject({ samesite: "Strict", domain: "127.0.0.1", path: "/custom", priority: "High" });
    // The configured ones for everyone else.
    const other = attributes(setCookies(await fetch(server!.url + "/set?a=1"))[0]!);
    expect(other).toMatchObject({ httponly: true, path: "/" });
    expect(other.samesite).toBeUndefined();
  });

  it("partitioned without secure is sent as express-session sends it: Partitioned, no Secure", async () => {
    const { c } = await start({ cookie: { partitioned: true } });
    const attrs = attributes(setCookies(await c.fetch("/set?a=1"))[0]!);
    expect(attrs.partitioned).toBe(true);
    expect(attrs.secure).toBeUndefined();
  });

  it("SameSite=None goes out as Lax over http and as None; Secure over https (secure: 'auto')", async () => {
    const { c } = await start({ proxy: true, cookie: { secure: "auto", sameSite: "none" } });
    const plain = attributes(setCookies(await c.fetch("/set?a=1"))[0]!);
    expect(plain.samesite).toBe("Lax");
    expect(plain.secure).toBeUndefined();
    const tls = attributes(setCookies(await fetch(server!.url + "/set?a=1", { headers: { "x-forwarded-proto": "https" } }))[0]!);
    expect(tls).toMatchObject({ samesite: "None", secure: true });
  });

  it("a response that read the session says Vary: Cookie, and one that sets the cookie is not stored by caches", async () => {
    const { c } = await start();
    const set = await c.fetch("/set?a=1");
    expect(set.headers.get("vary")).toBe("Cookie");
    expect(set.headers.get("cache-control")).toBe("no-store");
    const read = await c.fetch("/get");
    expect(read.headers.get("vary")).toBe("Cookie");
    expect(read.headers.get("cache-control")).toBeNull();
  });
});

describe("express drop-in: destroying a session that came without a cookie", () => {
  it("sends no Set-Cookie, and still asks the store to remove that ID", async () => {
    const store = new MemoryStore();
    const destroyed: string[] = [];
    const destroy = store.destroy.bind(store);
    store.destroy = (sid: string, cb?: any) => void (destroyed.push(sid), destroy(sid, cb));
    const { c } = await start({ store }, (a) =>
      a.get("/new-then-destroy", (req: any, res: any, next: any) => {
        const id = req.sessionID;
        req.session.destroy((err: unknown) => (err ? next(err) : res.json({ id })));
      }),
    );
    const res = await c.fetch("/new-then-destroy");
    expect(setCookies(res)).toEqual([]);
    const { id } = await res.json();
    expect(destroyed).toEqual([id]);
  });

  it("a session that came with a cookie gets it cleared", async () => {
    const { c } = await start();
    await c.fetch("/set?a=1");
    expect(setCookies(await c.fetch("/destroy"))[0]).toMatch(/^connect\.sid=;.*Expires=Thu, 01 Jan 1970/);
  });
});
