import { sign } from "cookie-signature";
import { afterEach, describe, expect, it, vi } from "vitest";
import session, { Store } from "../../../adapters/express/index.ts";
import { client, cookieOf, listen, SECRET, SECRET_2, sessionApp, setCookies, spyStore, type Listening } from "./helpers.ts";

let server: Listening | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  vi.restoreAllMocks();
});

const OLD = "express-old-secret-0123456789-abcdefghij";

describe("express: secrets", () => {
  it("signs cookies exactly as express-session does (cookie-signature, s: prefix, URL-encoded)", async () => {
    const { app } = await sessionApp(session({ secret: SECRET, resave: false, saveUninitialized: false }));
    server = await listen(app);
    const res = await fetch(server.url + "/set?a=1");
    const value = decodeURIComponent(cookieOf(res)!.split("=").slice(1).join("="));
    const id = value.slice(2, value.lastIndexOf("."));
    expect(value).toBe(`s:${sign(id, SECRET)}`);
  });

  it("accepts a cookie signed with an older secret of the list and re-signs it with the first", async () => {
    const spy = spyStore(Store);
    const before = await sessionApp(session({ secret: OLD, resave: false, saveUninitialized: false, store: spy.store }));
    server = await listen(before.app);
    const c = client(server.url);
    await c.fetch("/set?user=ann");
    const oldCookie = c.cookie!;
    await server.close();

    const rotated = await sessionApp(session({ secret: [SECRET_2, OLD], resave: false, saveUninitialized: false, store: spy.store }));
    server = await listen(rotated.app);
    c.base = server.url;
    const res = await c.fetch("/get");
    expect(await res.json()).toMatchObject({ data: { user: "ann" } });
    const fresh = cookieOf(res)!;
    expect(fresh).not.toBe(oldCookie);
    const value = decodeURIComponent(fresh.split("=").slice(1).join("="));
    expect(value.startsWith("s:")).toBe(true);
    expect(value).toBe(`s:${sign(value.slice(2, value.lastIndexOf(".")), SECRET_2)}`);
  });

  it("rejects a cookie whose secret was removed from the list (anonymous, no store read)", async () => {
    const spy = spyStore(Store);
    const before = await sessionApp(session({ secret: OLD, resave: false, saveUninitialized: false, store: spy.store }));
    server = await listen(before.app);
    const c = client(server.url);
    await c.fetch("/set?user=ann");
    await server.close();
    const after = await sessionApp(session({ secret: [SECRET_2], resave: false, saveUninitialized: false, store: spy.store }));
    server = await listen(after.app);
    c.base = server.url;
    spy.reset();
    const body = await (await c.fetch("/get")).json();
    expect(body.data).toEqual({});
    expect(spy.count("get")).toBe(0);
  });

  it("ignores a tampered signature", async () => {
    const { app } = await sessionApp(session({ secret: SECRET, resave: false, saveUninitialized: false }));
    server = await listen(app);
    const c = client(server.url);
    await c.fetch("/set?a=1");
    const tampered = c.cookie!.replace(/.(;|$)/, (m) => (m[0] === "A" ? "B" : "A") + m.slice(1));
    const body = await (await fetch(server.url + "/get", { headers: { cookie: tampered } })).json();
    expect(body.data).toEqual({});
  });

  it("throws on an empty secret array, like express-session", () => {
    expect(() => session({ secret: [], resave: false, saveUninitialized: false })).toThrow(new TypeError("secret option array must contain one or more strings"));
  });

  it("without a secret: warns, then uses req.secret (cookie-parser) or fails with express-session's error", async () => {
    const warnings: string[] = [];
    vi.spyOn(process, "emitWarning").mockImplementation(((message: string) => void warnings.push(message)) as never);
    const mw = session({ resave: false, saveUninitialized: false });
    expect(warnings).toEqual(["req.secret; provide secret option"]);
    const { app, nextError } = await sessionApp((req: any, res: any, next: any) => {
      if (req.headers["x-secret"]) req.secret = req.headers["x-secret"];
      mw(req, res, next);
    });
    server = await listen(app);
    const failed = await fetch(server.url + "/set?a=1");
    expect(failed.status).toBe(500);
    expect((await nextError()).message).toBe("secret option required for sessions");
    const ok = await fetch(server.url + "/set?a=1", { headers: { "x-secret": SECRET } });
    expect(ok.status).toBe(200);
    expect(setCookies(ok)).toHaveLength(1);
  });

  it("accepts a short secret as express-session does, warns once per process, and [strong, short] moves on without signing anyone out", async () => {
    // A fresh copy of the modules: the warning is once per process (per module instance).
    vi.resetModules();
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const { default: fresh } = await import("../../../adapters/express/index.ts");
    const spy = spyStore(fresh.Store);
    const legacy = await sessionApp(fresh({ secret: "keyboard cat", resave: false, saveUninitialized: false, store: spy.store }));
    server = await listen(legacy.app);
    const c = client(server.url);
    const res = await c.fetch("/set?user=ann");
    const value = decodeURIComponent(cookieOf(res)!.split("=").slice(1).join("="));
    const id = value.slice(2, value.lastIndexOf("."));
    expect(value).toBe(`s:${sign(id, "keyboard cat")}`);
    fresh({ secret: "asdfasffdas", resave: false, saveUninitialized: false });
    await server.close();

    const moved = await sessionApp(fresh({ secret: [SECRET, "keyboard cat"], resave: false, saveUninitialized: false, store: spy.store }));
    server = await listen(moved.app);
    c.base = server.url;
    const back = await c.fetch("/get");
    expect(await back.json()).toMatchObject({ id, data: { user: "ann" } });
    const resigned = decodeURIComponent(cookieOf(back)!.split("=").slice(1).join("="));
    expect(resigned).toBe(`s:${sign(id, SECRET)}`);

    const warnings = warn.mock.calls.map((call) => String(call[0])).filter((m) => m.includes("[unsession]"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/secret of 12 characters is weak/);
    expect(warnings[0]).toContain("secret: [newSecret, oldSecret]");
  });
});
