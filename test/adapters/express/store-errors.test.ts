import { afterEach, describe, expect, it } from "vitest";
import session, { Store } from "../../../adapters/express/index.ts";
import { client, listen, SECRET, sessionApp, setCookies, spyStore, type Listening } from "./helpers.ts";

let server: Listening | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const start = async (options: Parameters<typeof session>[0] = {}) => {
  const spy = spyStore(Store);
  const { app, errors, nextError } = await sessionApp(session({ secret: SECRET, resave: false, saveUninitialized: false, store: spy.store, ...options }));
  server = await listen(app);
  return { spy, c: client(server.url), errors, nextError };
};

describe("express: store errors", () => {
  // As express-session: the store's own error reaches next(err), unwrapped (Express's handler answers 500).
  it("a failing read goes to next(err) as the store's own error, with no cookie", async () => {
    const { spy, c, nextError } = await start();
    await c.fetch("/set?a=1");
    spy.failing.add("get");
    const res = await c.fetch("/get");
    expect(res.status).toBe(500);
    expect(setCookies(res)).toEqual([]);
    const err = await nextError();
    expect(err).toMatchObject({ code: "ESPY", message: "spy store get failed" });
    expect(err.name).toBe("Error");
  });

  it("a failing save still sends the response (as express-session does), without a cookie for the unsaved ID, and reports the store's error", async () => {
    const { spy, c, nextError } = await start();
    spy.failing.add("set");
    const res = await c.fetch("/set?a=1");
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("ok");
    expect(setCookies(res)).toEqual([]);
    expect(await nextError()).toMatchObject({ code: "ESPY", message: "spy store set failed" });
  });

  it("a failing save(cb) hands the store's error to the callback", async () => {
    const { spy, c, nextError } = await start();
    spy.failing.add("set");
    expect((await c.fetch("/save")).status).toBe(500);
    expect(await nextError()).toMatchObject({ code: "ESPY", message: "spy store set failed" });
  });

  it("a failing destroy(cb) hands the store's error to the callback and still clears the cookie", async () => {
    const { spy, c, nextError } = await start();
    await c.fetch("/set?a=1");
    spy.failing.add("destroy");
    const res = await c.fetch("/destroy");
    expect(res.status).toBe(500);
    expect(await nextError()).toMatchObject({ code: "ESPY", message: "spy store destroy failed" });
    expect(setCookies(res)[0]).toMatch(/^connect\.sid=;/);
  });

  it("a failing regenerate(cb) (the old record's destroy) hands the store's error to the callback", async () => {
    const { spy, c, nextError } = await start();
    await c.fetch("/set?a=1");
    spy.failing.add("destroy");
    expect((await c.fetch("/regenerate")).status).toBe(500);
    expect(await nextError()).toMatchObject({ code: "ESPY", message: "spy store destroy failed" });
  });

  it("treats an ENOENT read error as 'no session' (session-file-store), like express-session", async () => {
    const { spy, c } = await start();
    await c.fetch("/set?a=1");
    spy.store.get = (_sid: string, cb: any) => setImmediate(cb, Object.assign(new Error("no file"), { code: "ENOENT" }));
    const res = await c.fetch("/get");
    expect(res.status).toBe(200);
    expect((await res.json()).data).toEqual({});
  });

  it("a store that never answers fails after storeTimeout with the core's UnsessionError (503)", async () => {
    const { spy, c, nextError } = await start({ storeTimeout: 200 });
    await c.fetch("/set?a=1");
    spy.store.get = () => {};
    expect((await c.fetch("/get")).status).toBe(503);
    expect((await nextError()).code).toBe("ERR_STORE_TIMEOUT");
  });

  it("a store that emitted 'disconnect' is skipped (no req.session) until it emits 'connect'", async () => {
    const { spy, c } = await start();
    await c.fetch("/set?a=1");
    spy.store.emit("disconnect");
    spy.reset();
    expect(await (await c.fetch("/get")).json()).toEqual({ data: null, id: null });
    expect(spy.calls).toEqual([]);
    spy.store.emit("connect");
    expect(await (await c.fetch("/get")).json()).toMatchObject({ data: { a: "1" } });
  });

  it("a broken stored record is answered once with ERR_STORE_DATA (express-session errors too), removed, and never again", async () => {
    const { spy, c } = await start();
    await c.fetch("/set?a=1");
    const [sid] = [...spy.data.keys()];
    spy.data.set(sid!, JSON.stringify([1, 2]));
    expect((await c.fetch("/get")).status).toBe(500);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(spy.data.has(sid!)).toBe(false);
    // Not a lock-out: the same browser is anonymous on the next request.
    expect((await c.fetch("/get")).status).toBe(200);
  });
});

describe("express: store errors while streaming", () => {
  it("a save that fails when headers go out is reported after res.end, not in the middle of the response", async () => {
    const spy = spyStore(Store);
    spy.failing.add("set");
    const order: string[] = [];
    const mw = session({ secret: SECRET, resave: false, saveUninitialized: false, store: spy.store });
    server = await listen((req: any, res: any) =>
      mw(req, res, (err?: any) => {
        if (err) return void order.push(`next(${err.code})`);
        req.session.a = 1;
        res.writeHead(200, { "content-type": "text/plain" });
        res.write("one-");
        setTimeout(() => {
          order.push("end");
          res.end("two");
        }, 30);
      }),
    );
    const res = await fetch(server.url + "/");
    expect(await res.text()).toBe("one-two");
    expect(setCookies(res)).toEqual([]);
    await expect.poll(() => order).toEqual(["end", "next(ESPY)"]);
  });
});
