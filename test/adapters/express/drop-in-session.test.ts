/**
 * The Express adapter as a drop-in, request side: `req.session`'s shape, IDs from genid, where the cookie is read
 * from (the header, or cookie-parser's results), secrets as bytes, and `res.end` called twice — over real HTTP.
 * @module
 */
import { createHmac } from "node:crypto";
import { createRequire } from "node:module";
import { sign } from "cookie-signature";
import { afterEach, describe, expect, it } from "vitest";
import session, { Cookie, MemoryStore } from "../../../adapters/express/index.ts";
import { client, cookieOf, dataOf, listen, SECRET, sessionApp, setCookies, type Listening } from "./helpers.ts";

const require = createRequire(import.meta.url);
const cookieParser: (secret?: string) => any = require("cookie-parser");

let server: Listening | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const valueOf = (setCookie: string): string => decodeURIComponent(setCookie.split(";")[0]!.slice(setCookie.indexOf("=") + 1));

describe("express drop-in: req.session's shape", () => {
  it("Object.keys(req.session) is the data and cookie; the methods are not enumerable; JSON leaves the cookie out", async () => {
    const { app } = await sessionApp(session({ secret: SECRET, resave: false, saveUninitialized: false }), (a) =>
      a.get("/shape", (req: any, res: any) => {
        req.session.user = "ann";
        const enumerable: string[] = [];
        for (const key in req.session) enumerable.push(key);
        res.json({ keys: Object.keys(req.session).sort(), enumerable: enumerable.sort(), json: JSON.parse(JSON.stringify(req.session)) });
      }),
    );
    server = await listen(app);
    const c = client(server.url);
    expect(await (await c.fetch("/shape")).json()).toEqual({ keys: ["cookie", "user"], enumerable: ["cookie", "user"], json: { user: "ann" } });
    // The same on a session loaded from the store.
    expect(await (await c.fetch("/shape")).json()).toMatchObject({ keys: ["cookie", "user"] });
  });

  it("new Cookie({ expires }) keeps the Date it was given, and its originalMaxAge counts down to it", () => {
    const expires = new Date(Date.now() + 120_000);
    const cookie = new Cookie({ expires });
    expect(cookie.expires).toBe(expires);
    expect(cookie.originalMaxAge).toBeGreaterThan(110_000);
    expect(cookie.originalMaxAge).toBeLessThanOrEqual(120_000);
    expect(new Cookie({ expires: null }).expires).toBeNull();
  });
});

describe("express drop-in: IDs from genid", () => {
  it("genid gets the request; '%' and the URL's characters are encoded in the cookie and the session comes back", async () => {
    const store = new MemoryStore();
    let n = 0;
    const genid = (req: any) => `${req.url}%${++n}`;
    const { app } = await sessionApp(session({ secret: SECRET, resave: false, saveUninitialized: false, store, genid }));
    server = await listen(app);
    const c = client(server.url);
    const res = await c.fetch("/set?a=1&b=%25");
    const line = setCookies(res)[0]!;
    expect(line.split(";")[0]).toBe(`connect.sid=${encodeURIComponent(`s:${sign("/set?a=1&b=%25%1", SECRET)}`)}`);
    expect(line).toMatch(/^connect\.sid=s%3A%2Fset%3Fa%3D1%26b%3D%2525%251\./);
    expect(await (await c.fetch("/get")).json()).toEqual({ id: "/set?a=1&b=%25%1", data: { a: "1", b: "%" } });
  });
});

describe("express drop-in: the cookie as cookie-parser left it", () => {
  /** An app where cookie-parser runs first and the Cookie header is gone by the time the session middleware runs. */
  async function parsed(parserSecret?: string) {
    const parser = cookieParser(parserSecret);
    const mw = session({ secret: SECRET, resave: false, saveUninitialized: false });
    const { app } = await sessionApp((req: any, res: any, next: any) =>
      parser(req, res, () => {
        delete req.headers.cookie;
        mw(req, res, next);
      }),
    );
    return app;
  }

  it("with a secret: the ID cookie-parser verified (req.signedCookies) is the session", async () => {
    server = await listen(await parsed(SECRET));
    const c = client(server.url);
    await c.fetch("/set?user=ann");
    expect(await (await c.fetch("/get")).json()).toMatchObject({ data: { user: "ann" } });
  });

  it("without a secret: the still-signed value in req.cookies is verified and is the session; a forged one is not", async () => {
    server = await listen(await parsed());
    const c = client(server.url);
    await c.fetch("/set?user=ann");
    const body = await (await c.fetch("/get")).json();
    expect(body).toMatchObject({ data: { user: "ann" } });
    const forged = `connect.sid=${encodeURIComponent(`s:${body.id}.${"A".repeat(43)}`)}`;
    const anonymous = await (await fetch(server.url + "/get", { headers: { cookie: forged } })).json();
    expect(anonymous.data).toEqual({});
    expect(anonymous.id).not.toBe(body.id);
  });

  it("a session middleware given the same name reads the header first when it still has the cookie", async () => {
    const mw = session({ secret: SECRET, resave: false, saveUninitialized: false });
    const { app } = await sessionApp((req: any, res: any, next: any) => cookieParser(SECRET)(req, res, () => mw(req, res, next)));
    server = await listen(app);
    const c = client(server.url);
    await c.fetch("/set?user=ann");
    expect(await (await c.fetch("/get")).json()).toMatchObject({ data: { user: "ann" } });
  });
});

describe("express drop-in: secrets as bytes", () => {
  it("a Buffer secret is the raw HMAC key, as with cookie-signature, and the session round-trips", async () => {
    const key = Buffer.from("0123456789abcdef0123456789abcdef0123456789abcdef", "hex");
    const { app } = await sessionApp(session({ secret: key, resave: false, saveUninitialized: false }));
    server = await listen(app);
    const c = client(server.url);
    const value = valueOf(setCookies(await c.fetch("/set?a=1"))[0]!);
    const id = value.slice(2, value.lastIndexOf("."));
    const mac = createHmac("sha256", key).update(id).digest("base64").replace(/=+$/, "");
    expect(value).toBe(`s:${id}.${mac}`);
    expect(await (await c.fetch("/get")).json()).toEqual({ id, data: { a: "1" } });
  });
});

describe("express drop-in: res.end called twice", () => {
  /** A handler that ends, ends again, then tries to change a header: what it caught is in the body's trailer. */
  const twice = (caught: string[]) => (req: any, res: any) => {
    if (req.session) req.session.ended = (req.session.ended ?? 0) + 1;
    res.setHeader("content-type", "text/plain");
    res.end("first");
    res.end();
    try {
      res.setHeader("x-late", "1");
    } catch (error) {
      caught.push((error as Error).message);
    }
  };

  // With the default (synchronous) MemoryStore the commit is done inside res.end, so headers are sent by then, as on
  // plain http. With an asynchronous store they go out when the write finishes (docs/express.md, differences).
  it("answers as plain http does: the first body, the same error for a late header, and the session saved", async () => {
    const plainCaught: string[] = [];
    const plain = await listen(twice(plainCaught));
    const expected = await fetch(plain.url);
    const expectedBody = await expected.text();
    await plain.close();

    const store = new MemoryStore();
    const mw = session({ secret: SECRET, resave: false, saveUninitialized: false, store });
    const caught: string[] = [];
    const errors: unknown[] = [];
    const handler = twice(caught);
    server = await listen((req: any, res: any) => mw(req, res, (err?: unknown) => (err ? errors.push(err) : handler(req, res))));
    const c = client(server.url);
    const res = await c.fetch("/");
    expect(res.status).toBe(expected.status);
    expect(res.headers.get("content-type")).toBe(expected.headers.get("content-type"));
    expect(await res.text()).toBe(expectedBody);
    expect(expectedBody).toBe("first");
    expect(plainCaught).toHaveLength(1);
    expect(caught).toEqual(plainCaught);
    expect(setCookies(res)).toHaveLength(1);
    await c.fetch("/");
    const all = await new Promise<Record<string, any>>((resolve) => store.all((_e, s) => resolve(s!)));
    expect(Object.values(all).map((s) => s.ended)).toEqual([2]);
    expect(errors).toEqual([]);
  });
});

describe("express drop-in: what a handler sets on req.session", () => {
  it("req.sessionID set to something that is not a string: nothing saved, no cookie", async () => {
    const store = new MemoryStore();
    const { app } = await sessionApp(session({ secret: SECRET, resave: false, saveUninitialized: false, store }), (a) =>
      a.get("/bogus", (req: any, res: any) => {
        req.session.a = 1;
        req.sessionID = 42;
        res.send("ok");
      }),
    );
    server = await listen(app);
    const res = await fetch(server.url + "/bogus");
    expect(setCookies(res)).toEqual([]);
    const all = await new Promise<Record<string, unknown>>((resolve) => store.all((_e, s) => resolve(s!)));
    expect(Object.keys(all)).toEqual([]);
  });

  it("reload() and regenerate() keep req.session's shape (data and cookie enumerable)", async () => {
    const { app } = await sessionApp(session({ secret: SECRET, resave: false, saveUninitialized: false }), (a) =>
      a.get("/again", (req: any, res: any, next: any) =>
        req.session.regenerate((err: unknown) => (err ? next(err) : res.json({ keys: Object.keys(req.session), data: dataOf(req.session) }))),
      ),
    );
    server = await listen(app);
    const c = client(server.url);
    await c.fetch("/set?a=1");
    expect(await (await c.fetch("/again")).json()).toEqual({ keys: ["cookie"], data: {} });
    expect(cookieOf(await c.fetch("/set?b=2"))).toBeUndefined();
  });
});
