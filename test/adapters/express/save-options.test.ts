import { afterEach, describe, expect, it, vi } from "vitest";
import session, { Store } from "../../../adapters/express/index.ts";
import { client, listen, SECRET, sessionApp, setCookies, spyStore, type Listening } from "./helpers.ts";

let server: Listening | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  vi.restoreAllMocks();
});

const start = async (options: Parameters<typeof session>[0]) => {
  const spy = spyStore(Store);
  const { app } = await sessionApp(session({ secret: SECRET, store: spy.store, ...options }));
  server = await listen(app);
  return { spy, c: client(server.url) };
};

describe("express: resave / saveUninitialized / rolling", () => {
  it("defaults resave and saveUninitialized to true, with express-session's deprecation warnings", async () => {
    const warnings: string[] = [];
    vi.spyOn(process, "emitWarning").mockImplementation(((message: string) => void warnings.push(message)) as never);
    const { spy, c } = await start({});
    expect(warnings).toEqual(["undefined resave option; provide resave option", "undefined saveUninitialized option; provide saveUninitialized option"]);
    // saveUninitialized: an untouched new session is saved and gets a cookie.
    const first = await c.fetch("/noop");
    expect(setCookies(first)).toHaveLength(1);
    expect(spy.count("set")).toBe(1);
    // resave: an unchanged existing session is written again.
    spy.reset();
    await c.fetch("/noop");
    expect(spy.count("set")).toBe(1);
  });

  it("silences those warnings as express-session does, with NO_DEPRECATION naming it or *", async () => {
    const warnings: string[] = [];
    vi.spyOn(process, "emitWarning").mockImplementation(((message: string) => void warnings.push(message)) as never);
    const before = process.env.NO_DEPRECATION;
    try {
      for (const value of ["express-session", "body-parser, express-session", "*"]) {
        process.env.NO_DEPRECATION = value;
        session({ secret: SECRET, store: new Store() });
      }
      expect(warnings).toEqual([]);
      process.env.NO_DEPRECATION = "body-parser";
      session({ secret: SECRET, store: new Store() });
      expect(warnings).toHaveLength(2);
    } finally {
      if (before === undefined) delete process.env.NO_DEPRECATION;
      else process.env.NO_DEPRECATION = before;
    }
  });

  it("saveUninitialized: false — an untouched new session is neither saved nor sent", async () => {
    const { spy, c } = await start({ resave: false, saveUninitialized: false });
    const res = await c.fetch("/noop");
    expect(setCookies(res)).toEqual([]);
    expect(spy.calls).toEqual([]);
    // Reading the session or its ID is not a change.
    const read = await c.fetch("/get");
    expect(setCookies(read)).toEqual([]);
    expect(spy.count("set")).toBe(0);
  });

  it("saveUninitialized: false — a modified new session is saved and sent", async () => {
    const { spy, c } = await start({ resave: false, saveUninitialized: false });
    expect(setCookies(await c.fetch("/set?a=1"))).toHaveLength(1);
    expect(spy.count("set")).toBe(1);
    expect(JSON.parse([...spy.data.values()][0]!)).toMatchObject({ a: "1", cookie: { path: "/", httpOnly: true, originalMaxAge: null } });
  });

  it("resave: false — an unchanged existing session is not written again", async () => {
    const { spy, c } = await start({ resave: false, saveUninitialized: false });
    await c.fetch("/set?a=1");
    spy.reset();
    const res = await c.fetch("/get");
    expect(await res.json()).toMatchObject({ data: { a: "1" } });
    expect(spy.count("get")).toBe(1);
    expect(spy.count("set")).toBe(0);
  });

  it("resave: true — an unchanged existing session is written on every request", async () => {
    const { spy, c } = await start({ resave: true, saveUninitialized: false });
    await c.fetch("/set?a=1");
    spy.reset();
    await c.fetch("/get");
    await c.fetch("/get");
    expect(spy.count("set")).toBe(2);
  });

  it("rolling: false — no cookie on an unchanged existing session; a cookie when modified with a maxAge", async () => {
    const { c } = await start({ resave: false, saveUninitialized: false, cookie: { maxAge: 60_000 } });
    await c.fetch("/set?a=1");
    expect(setCookies(await c.fetch("/get"))).toEqual([]);
    expect(setCookies(await c.fetch("/set?a=2"))).toHaveLength(1);
  });

  it("rolling: false — no cookie on a modified existing session without maxAge (browser-session cookie)", async () => {
    const { c } = await start({ resave: false, saveUninitialized: false });
    await c.fetch("/set?a=1");
    expect(setCookies(await c.fetch("/set?a=2"))).toEqual([]);
  });

  it("rolling: true — the cookie is sent on every response of an existing session", async () => {
    const { c, spy } = await start({ resave: false, saveUninitialized: false, rolling: true, cookie: { maxAge: 60_000 } });
    await c.fetch("/set?a=1");
    spy.reset();
    const res = await c.fetch("/get");
    expect(setCookies(res)).toHaveLength(1);
    expect(spy.count("set")).toBe(0);
  });

  it("rolling: true with saveUninitialized: false — still no cookie for an untouched new session", async () => {
    const { c } = await start({ resave: false, saveUninitialized: false, rolling: true, cookie: { maxAge: 60_000 } });
    expect(setCookies(await c.fetch("/noop"))).toEqual([]);
  });

  it("saveUninitialized: true with resave: false — the new session is saved once, then left alone", async () => {
    const { c, spy } = await start({ resave: false, saveUninitialized: true });
    await c.fetch("/noop");
    await c.fetch("/noop");
    expect(spy.count("set")).toBe(1);
  });
});
