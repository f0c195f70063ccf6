import { afterEach, describe, expect, it } from "vitest";
import session, { Store } from "../../../adapters/express/index.ts";
import { client, cookieOf, listen, SECRET, sessionApp, setCookies, spyStore, type Listening } from "./helpers.ts";

let server: Listening | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("express: genid and req.sessionID", () => {
  it("calls genid with the request and uses its ID for the cookie and the store", async () => {
    const spy = spyStore(Store);
    let n = 0;
    const genid = (req: any) => `user-${String(req.headers["x-user"])}-${String(++n).padStart(10, "0")}`;
    const { app } = await sessionApp(session({ secret: SECRET, resave: false, saveUninitialized: false, store: spy.store, genid }));
    server = await listen(app);
    const res = await fetch(server.url + "/set?a=1", { headers: { "x-user": "ann" } });
    expect(cookieOf(res)).toMatch(/^connect\.sid=s%3Auser-ann-0000000001\./);
    expect([...spy.data.keys()]).toEqual(["user-ann-0000000001"]);
  });

  it("calls genid again on regenerate, with that request", async () => {
    const seen: string[] = [];
    const genid = (req: any) => {
      seen.push(req.url);
      return `id-${seen.length}-abcdefghijklmnop`;
    };
    const { app } = await sessionApp(session({ secret: SECRET, resave: false, saveUninitialized: false, genid }));
    server = await listen(app);
    const c = client(server.url);
    await c.fetch("/set?a=1");
    await c.fetch("/regenerate");
    expect(seen).toEqual(["/set?a=1", "/regenerate"]);
    expect(await (await c.fetch("/get")).json()).toMatchObject({ id: "id-2-abcdefghijklmnop" });
  });

  it("rejects a genid that is not a function, as express-session does", () => {
    expect(() => session({ secret: SECRET, resave: false, saveUninitialized: false, genid: "x" as never })).toThrow(new TypeError("genid option must be a function"));
  });

  it("takes any string from genid, unsafe characters included: the cookie encodes it and the store gets it as it is", async () => {
    const spy = spyStore(Store);
    const { app } = await sessionApp(session({ secret: SECRET, resave: false, saveUninitialized: false, store: spy.store, genid: () => "a/b:c d;e" }));
    server = await listen(app);
    const c = client(server.url);
    const res = await c.fetch("/set?a=1");
    expect(cookieOf(res)).toMatch(/^connect\.sid=s%3Aa%2Fb%3Ac%20d%3Be\./);
    expect([...spy.data.keys()]).toEqual(["a/b:c d;e"]);
    expect(await (await c.fetch("/get")).json()).toEqual({ id: "a/b:c d;e", data: { a: "1" } });
  });

  for (const [what, id] of [["an empty string", ""], ["a number", 42], ["more than 512 characters", "x".repeat(513)]] as const) {
    it(`reports a genid that returns ${what} through next(err) (ERR_OPTIONS) and stores nothing`, async () => {
      const spy = spyStore(Store);
      const { app, nextError } = await sessionApp(session({ secret: SECRET, resave: false, saveUninitialized: false, store: spy.store, genid: () => id as string }));
      server = await listen(app);
      const res = await fetch(server.url + "/set?a=1");
      expect(setCookies(res)).toEqual([]);
      expect((await nextError()).code).toBe("ERR_OPTIONS");
      expect(spy.count("set")).toBe(0);
    });
  }

  it("exposes req.sessionID (the cookie's ID) and req.session.id", async () => {
    const { app } = await sessionApp(session({ secret: SECRET, resave: false, saveUninitialized: false }), (a) =>
      a.get("/ids", (req: any, res: any) => res.json({ sid: req.sessionID, id: req.session.id })),
    );
    server = await listen(app);
    const c = client(server.url);
    const first = await (await c.fetch("/ids")).json();
    expect(first.sid).toBe(first.id);
    expect(first.sid).toMatch(/^[A-Za-z0-9_-]{32}$/);
    await c.fetch("/set?a=1");
    const sid = decodeURIComponent(c.cookie!.split("=")[1]!).slice(2).split(".")[0];
    expect(await (await c.fetch("/ids")).json()).toEqual({ sid, id: sid });
  });

  it("lets the app assign req.sessionID: the session moves to that ID and the cookie carries it", async () => {
    const spy = spyStore(Store);
    const { app } = await sessionApp(session({ secret: SECRET, resave: false, saveUninitialized: false, store: spy.store }), (a) =>
      a.get("/assign", (req: any, res: any) => {
        req.sessionID = "assigned-id-0123456789";
        req.session.who = "me";
        res.json({ sid: req.sessionID, id: req.session.id });
      }),
    );
    server = await listen(app);
    const c = client(server.url);
    await c.fetch("/set?a=1");
    const old = [...spy.data.keys()][0]!;
    const res = await c.fetch("/assign");
    expect(await res.json()).toEqual({ sid: "assigned-id-0123456789", id: "assigned-id-0123456789" });
    expect(cookieOf(res)).toMatch(/^connect\.sid=s%3Aassigned-id-0123456789\./);
    expect(spy.data.has(old)).toBe(false);
    expect(JSON.parse(spy.data.get("assigned-id-0123456789")!)).toMatchObject({ a: "1", who: "me" });
    expect(await (await c.fetch("/get")).json()).toMatchObject({ id: "assigned-id-0123456789", data: { a: "1", who: "me" } });
  });
});
