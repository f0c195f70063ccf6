import { afterEach, describe, expect, it } from "vitest";
import session, { Store } from "../../../adapters/express/index.ts";
import { client, listen, SECRET, sessionApp, setCookies, spyStore, type Listening } from "./helpers.ts";

let server: Listening | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const start = async (unset?: "keep" | "destroy") => {
  const spy = spyStore(Store);
  const { app } = await sessionApp(session({ secret: SECRET, resave: false, saveUninitialized: false, store: spy.store, unset }), (a) => {
    a.get("/delete", (req: any, res: any) => {
      req.session.changed = "yes";
      delete req.session;
      res.send("ok");
    });
    a.get("/null", (req: any, res: any) => {
      req.session.changed = "yes";
      req.session = null;
      res.send("ok");
    });
  });
  server = await listen(app);
  return { spy, c: client(server.url) };
};

describe("express: unset", () => {
  it("rejects an unknown value like express-session", () => {
    expect(() => session({ secret: SECRET, resave: false, saveUninitialized: false, unset: "drop" as never })).toThrow(
      new TypeError('unset option must be "destroy" or "keep"'),
    );
  });

  for (const how of ["/delete", "/null"]) {
    it(`keep (default): ${how} leaves the stored session as it was and drops this request's changes`, async () => {
      const { spy, c } = await start();
      await c.fetch("/set?a=1");
      spy.reset();
      const res = await c.fetch(how);
      expect(setCookies(res)).toEqual([]);
      expect(spy.count("set") + spy.count("destroy")).toBe(0);
      expect(await (await c.fetch("/get")).json()).toMatchObject({ data: { a: "1" } });
    });

    it(`destroy: ${how} removes the stored session`, async () => {
      const { spy, c } = await start("destroy");
      await c.fetch("/set?a=1");
      const [sid] = [...spy.data.keys()];
      spy.reset();
      const res = await c.fetch(how);
      expect(spy.calls).toContainEqual({ op: "destroy", sid });
      expect(spy.data.size).toBe(0);
      // unsession also clears the cookie (express-session leaves it in place).
      expect(setCookies(res)[0]).toMatch(/^connect\.sid=;/);
    });
  }

  it("keep: a new session that is unset is never saved", async () => {
    const { spy, c } = await start();
    const res = await c.fetch("/delete");
    expect(setCookies(res)).toEqual([]);
    expect(spy.count("set")).toBe(0);
  });
});
