/**
 * The Express adapter as a drop-in, store side: what express-session does with its store, over real HTTP. Store
 * methods replaced on the instance after the middleware was made (to count calls or inject errors) are the ones
 * called; their errors reach next(err) as they are; ENOENT from get is "not found"; touch on unchanged requests;
 * resave writes once per request; rolling.
 * @module
 */
import { afterEach, describe, expect, it } from "vitest";
import session, { MemoryStore } from "../../../adapters/express/index.ts";
import { client, listen, SECRET, sessionApp, setCookies, type Listening } from "./helpers.ts";

let server: Listening | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

type Op = "get" | "set" | "destroy" | "touch";

/** Wraps the store's current methods on the instance, as a test or an app may do at any time: counts, and fails on demand. */
function instrument(store: any) {
  const counts: Record<Op, number> = { get: 0, set: 0, destroy: 0, touch: 0 };
  const failing = new Map<Op, Error>();
  for (const op of Object.keys(counts) as Op[]) {
    const original = store[op];
    store[op] = function (this: unknown, ...args: any[]) {
      counts[op]++;
      const error = failing.get(op);
      const cb = args.at(-1);
      if (error) return void setImmediate(cb, error);
      return original.apply(this, args);
    };
  }
  return { counts, failing, reset: () => void (Object.keys(counts) as Op[]).forEach((op) => (counts[op] = 0)) };
}

/** A MemoryStore app whose store methods are replaced only after the middleware was created. */
async function start(options: Parameters<typeof session>[0] = {}) {
  const store = new MemoryStore();
  const middleware = session({ secret: SECRET, resave: false, saveUninitialized: false, store, ...options });
  const spy = instrument(store);
  const { app, errors, nextError } = await sessionApp(middleware);
  server = await listen(app);
  return { store, spy, errors, nextError, c: client(server.url) };
}

describe("express drop-in: store methods replaced after start-up", () => {
  it("are the ones called: get, set, touch on an unchanged request, destroy", async () => {
    const { spy, c } = await start();
    await c.fetch("/set?a=1");
    expect(spy.counts).toEqual({ get: 0, set: 1, destroy: 0, touch: 0 });
    spy.reset();
    await c.fetch("/noop");
    expect(spy.counts).toEqual({ get: 1, set: 0, destroy: 0, touch: 1 });
    spy.reset();
    await c.fetch("/set?a=2");
    expect(spy.counts).toEqual({ get: 1, set: 1, destroy: 0, touch: 0 });
    spy.reset();
    await c.fetch("/destroy");
    expect(spy.counts).toEqual({ get: 1, set: 0, destroy: 1, touch: 0 });
  });

  it("a new session that stays unchanged is neither read nor touched nor saved", async () => {
    const { spy, c } = await start();
    const res = await c.fetch("/noop");
    expect(setCookies(res)).toEqual([]);
    expect(spy.counts).toEqual({ get: 0, set: 0, destroy: 0, touch: 0 });
  });

  it("a get error reaches next(err) as the store's own error object; the handler's answer never goes out", async () => {
    const { spy, c, nextError } = await start();
    await c.fetch("/set?a=1");
    const boom = new Error("get exploded");
    spy.failing.set("get", boom);
    const res = await c.fetch("/get");
    expect(res.status).toBe(500);
    expect(await res.text()).toBe("error: get exploded");
    expect(await nextError()).toBe(boom);
  });

  it("an ENOENT from get is 'not found': a fresh session, no error", async () => {
    const { spy, c, errors } = await start();
    await c.fetch("/set?a=1");
    spy.failing.set("get", Object.assign(new Error("ENOENT: no such file"), { code: "ENOENT" }));
    const res = await c.fetch("/get");
    expect(res.status).toBe(200);
    expect((await res.json()).data).toEqual({});
    expect(errors).toEqual([]);
  });

  it("a set error: the response still goes out, then the store's error reaches next(err)", async () => {
    const { spy, c, nextError } = await start();
    const boom = new Error("set exploded");
    spy.failing.set("set", boom);
    const res = await c.fetch("/set?a=1");
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("ok");
    expect(await nextError()).toBe(boom);
  });

  it("a destroy error reaches destroy's callback, and through it next(err)", async () => {
    const { spy, c, nextError } = await start();
    await c.fetch("/set?a=1");
    const boom = new Error("destroy exploded");
    spy.failing.set("destroy", boom);
    const res = await c.fetch("/destroy");
    expect(res.status).toBe(500);
    expect(await nextError()).toBe(boom);
  });

  it("a touch error: the unchanged request is answered, then the store's error reaches next(err)", async () => {
    const { spy, c, nextError } = await start();
    await c.fetch("/set?a=1");
    const boom = new Error("touch exploded");
    spy.failing.set("touch", boom);
    const res = await c.fetch("/noop");
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("ok");
    expect(await nextError()).toBe(boom);
    expect(spy.counts.touch).toBe(1);
  });
});

describe("express drop-in: when the store is written", () => {
  it("resave: true writes an unchanged session once per request, and save() then the end of the response is one write", async () => {
    const { spy, c } = await start({ resave: true });
    await c.fetch("/set?a=1");
    spy.reset();
    await c.fetch("/noop");
    expect(spy.counts.set).toBe(1);
    spy.reset();
    await c.fetch("/save");
    expect(spy.counts.set).toBe(1);
  });

  it("without touchAfter, the store's touch gets the unchanged session with its cookie moved forward", async () => {
    const store = new MemoryStore();
    const touched: any[] = [];
    const middleware = session({ secret: SECRET, resave: false, saveUninitialized: false, store, cookie: { maxAge: 60_000 } });
    const touch = store.touch.bind(store);
    store.touch = (sid: string, sess: any, cb?: any) => {
      touched.push({ sid, expires: new Date(sess.cookie.expires).getTime(), a: sess.a });
      touch(sid, sess, cb);
    };
    const { app } = await sessionApp(middleware);
    server = await listen(app);
    const c = client(server.url);
    await c.fetch("/set?a=1");
    const id = (await (await c.fetch("/get")).json()).id;
    expect(touched).toHaveLength(1);
    expect(touched[0]).toMatchObject({ sid: id, a: "1" });
    expect(Math.abs(touched[0].expires - (Date.now() + 60_000))).toBeLessThan(5_000);
  });

  it("with touchAfter set, the store's touch is not called on every request", async () => {
    const { spy, c } = await start({ touchAfter: 3600 });
    await c.fetch("/set?a=1");
    spy.reset();
    await c.fetch("/noop");
    await c.fetch("/noop");
    expect(spy.counts.touch).toBe(0);
  });

  it("rolling: every response of a stored session carries the cookie, with a fresh expiry; a new unchanged one gets none", async () => {
    const { spy, c } = await start({ rolling: true, cookie: { maxAge: 60_000 } });
    expect(setCookies(await c.fetch("/noop"))).toEqual([]);
    await c.fetch("/set?a=1");
    const first = c.cookie;
    spy.reset();
    const res = await c.fetch("/noop");
    const line = setCookies(res)[0]!;
    expect(line.split(";")[0]).toBe(first);
    expect(line).toMatch(/Max-Age=60(;|$)/);
    expect(spy.counts).toMatchObject({ set: 0, touch: 1 });
  });
});
