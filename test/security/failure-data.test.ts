/**
 * Checklist items 23–32 and 37 (fail closed, caching, data, detection), black-box through `sessions.wrap()`.
 */
import { createStorage } from "unstorage";
import memoryDriver from "unstorage/drivers/memory";
import { describe, expect, it } from "vitest";
import { createSessions, storageStore, type SessionEvent } from "../../src/index.ts";
import { DRIVER_MESSAGE, attrs, idIn, makeApp, pairOf, settle, type App } from "./harness.ts";

/** Asserts a response is a plain error without internals (checklist 27). */
async function expectPlainError(response: Response, status: number, secrets: string[]): Promise<void> {
  expect(response.status).toBe(status);
  const body = await response.text();
  expect(body.length).toBeLessThan(40);
  for (const secret of [...secrets, DRIVER_MESSAGE, "ECONNREFUSED", "sess:", "UnsessionError", "[unsession]", "    at "]) {
    expect(body).not.toContain(secret);
    for (const [, value] of response.headers) expect(value).not.toContain(secret);
  }
}

async function loggedIn(app: App): Promise<{ cookie: string; id: string }> {
  const cookie = pairOf(await app.fetch("/login?user=alice"))!;
  return { cookie, id: idIn(cookie) };
}

describe("checklist 23: a store read error fails closed", () => {
  it("answers 503, runs no handler and issues no new session", async () => {
    const app = makeApp();
    const { cookie, id } = await loggedIn(app);
    app.store.faults.get = "fail";
    app.store.reset();
    app.handled = 0;
    for (const path of ["/me", "/set?k=a&v=b", "/login"]) {
      const response = await app.fetch(path, { cookie });
      await expectPlainError(response, 503, [id]);
      expect(response.headers.get("set-cookie")).toBeNull();
    }
    expect(app.handled).toBe(0);
    expect(app.store.writes + app.store.deletes).toBe(0);
  });

  it("treats a missing record as a clean miss, not an error", async () => {
    const app = makeApp();
    const { cookie, id } = await loggedIn(app);
    app.store.raw.delete(`sess:${id}`);
    const response = await app.fetch("/me", { cookie });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ isNew: true });
  });
});

describe("checklist 24: every store call is bounded by a timeout", () => {
  for (const op of ["get", "set", "delete"] as const) {
    it(`a hung ${op} becomes a 503 within storeTimeout`, async () => {
      const app = makeApp({ storeTimeout: 50 });
      const { cookie } = await loggedIn(app);
      app.store.faults[op] = "hang";
      const path = op === "get" ? "/me" : op === "set" ? "/set?k=a&v=b" : "/logout";
      await expectPlainError(await app.fetch(path, { cookie }), 503, []);
    });
  }
});

describe("checklist 25: a failed write on login sends no cookie", () => {
  it("answers 503 without Set-Cookie when the new session cannot be written", async () => {
    const app = makeApp();
    app.store.faults.set = "fail";
    const response = await app.fetch("/login?user=alice");
    await expectPlainError(response, 503, []);
    expect(response.headers.get("set-cookie")).toBeNull();
  });

  it("answers 503 without a cookie for the unsaved ID when regenerate's new record fails (old one removed)", async () => {
    const app = makeApp();
    const { cookie, id } = await loggedIn(app);
    app.store.faults.set = "fail";
    const response = await app.fetch("/login?user=bob", { cookie });
    await expectPlainError(response, 503, [id]);
    expect(response.headers.get("set-cookie")).toBeNull();
    app.store.faults.set = undefined;
    // The old ID was dead from the moment of regenerate: never back to the pre-login session.
    expect(await (await app.fetch("/me", { cookie })).json()).toEqual({ isNew: true });
  });
});

describe("checklist 26: a failed destroy still clears the cookie", () => {
  it("answers 503, clears the cookie and reports the error", async () => {
    const app = makeApp();
    const { cookie, id } = await loggedIn(app);
    app.store.faults.delete = "fail";
    const response = await app.fetch("/logout", { cookie });
    await expectPlainError(response, 503, [id]);
    const clear = response.headers.get("set-cookie")!;
    expect(clear.startsWith("sid=;")).toBe(true);
    expect(attrs(clear)["max-age"]).toBe("0");
    await settle();
    expect(app.events.some((e) => e.type === "store_error")).toBe(true);
    // The core also refuses the ID for the rest of this process's life.
    app.store.faults.delete = undefined;
    expect(await (await app.fetch("/me", { cookie })).json()).toEqual({ isNew: true });
  });
});

describe("checklist 27: error responses carry no internals", () => {
  it("hides the stack, driver message, key and ID for read, write, data and serialisation errors", async () => {
    const app = makeApp();
    const { cookie, id } = await loggedIn(app);
    app.store.faults.get = "fail";
    await expectPlainError(await app.fetch("/me", { cookie }), 503, [id]);
    app.store.faults.get = undefined;
    app.store.faults.set = "fail";
    await expectPlainError(await app.fetch("/set?k=a&v=b", { cookie }), 503, [id]);
    app.store.faults.set = undefined;
    await expectPlainError(await app.fetch("/bigint", { cookie }), 500, [id, "BigInt"]);
    // A corrupt record is a clean miss since issue 13: a fresh anonymous session, nothing of the record shown.
    app.store.raw.set(`sess:${id}`, "{not json");
    const miss = await app.fetch("/me", { cookie });
    expect(miss.status).toBe(200);
    const body = await miss.text();
    for (const leak of [id, "JSON", "sess:", "[unsession]", "not json"]) expect(body).not.toContain(leak);
  });
});

describe("checklist 28: malformed stored records", () => {
  const shapes: [string, string][] = [
    ["garbage", "garbage"],
    ["a number", "42"],
    ["an array", "[]"],
    ["null", "null"],
    ["a string", '"text"'],
    ["an object without cookie", '{"user":"x"}'],
    ["a cookie that is not an object", '{"cookie":"x"}'],
    ["malformed metadata", '{"cookie":{},"__unsession":"x"}'],
    ["metadata without c", '{"cookie":{},"__unsession":{"i":1}}'],
    ["metadata with strings", '{"cookie":{"expires":"never"},"__unsession":{"c":"x","i":"y"}}'],
    ["truncated JSON", '{"cookie":{"originalMaxAge":'],
  ];
  for (const [what, raw] of shapes) {
    it(`answers a clean 500 or a clean miss for ${what}, and never overwrites it with a fresh session`, async () => {
      const app = makeApp();
      const { cookie, id } = await loggedIn(app);
      app.store.raw.set(`sess:${id}`, raw);
      app.store.reset();
      const response = await app.fetch("/set?k=note&v=new", { cookie });
      if (response.status === 200) {
        expect(pairOf(response) === null || idIn(pairOf(response)!) !== id).toBe(true);
      } else {
        await expectPlainError(response, 500, [id]);
        expect(response.headers.get("set-cookie")).toBeNull();
      }
      if (response.status !== 200) expect(app.store.raw.get(`sess:${id}`)).toBe(raw);
    });
  }
});

describe("checklist 29: caching", () => {
  it("sends Cache-Control: no-store with every response that sets or clears the cookie", async () => {
    const app = makeApp();
    const login = await app.fetch("/login");
    expect(login.headers.get("cache-control")).toBe("no-store");
    const redirect = await app.fetch("/redirect"); // an immutable-headers response is copied, not skipped
    expect(redirect.headers.get("set-cookie")).toBeTruthy();
    expect(redirect.headers.get("cache-control")).toBe("no-store");
    const logout = await app.fetch("/logout", { cookie: pairOf(login)! });
    expect(logout.headers.get("set-cookie")).toContain("sid=;");
    expect(logout.headers.get("cache-control")).toBe("no-store");
  });

  it("adds Clear-Site-Data on logout when clearSiteData is set", async () => {
    const app = makeApp({ clearSiteData: true });
    const cookie = pairOf(await app.fetch("/login"))!;
    expect((await app.fetch("/me", { cookie })).headers.get("clear-site-data")).toBeNull();
    const logout = await app.fetch("/logout", { cookie });
    expect(logout.headers.get("clear-site-data")).toBe('"cache", "cookies", "storage"');
    const custom = makeApp({ clearSiteData: '"cookies"' });
    const c2 = pairOf(await custom.fetch("/login"))!;
    expect((await custom.fetch("/logout", { cookie: c2 })).headers.get("clear-site-data")).toBe('"cookies"');
    expect((await makeApp().fetch("/logout", { cookie: c2 })).headers.get("clear-site-data")).toBeNull();
  });
});

describe("checklist 30: loading hostile records pollutes nothing", () => {
  it("drops __proto__ and constructor.prototype payloads from a stored record", async () => {
    const app = makeApp();
    const { cookie, id } = await loggedIn(app);
    const record = JSON.parse(app.store.raw.get(`sess:${id}`)!);
    const hostile =
      JSON.stringify(record).slice(0, -1) +
      ',"__proto__":{"polluted":"yes","isAdmin":true},"constructor":{"prototype":{"polluted":"yes"}},"nested":{"__proto__":{"polluted":"yes"},"a":{"constructor":{"prototype":{"polluted":"yes"}}}}}';
    app.store.raw.set(`sess:${id}`, hostile);
    const response = await app.fetch("/me", { cookie });
    const body = (await response.json()) as Record<string, unknown>;
    expect(body.user).toBe("alice");
    expect(body.isAdmin).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty("polluted");
    // A write after such a load stores no prototype payload either.
    await app.fetch("/set?k=note&v=x", { cookie });
    expect(app.store.raw.get(`sess:${id}`)).not.toContain("polluted");
  });

  it("a handler setting __proto__ as a key stores nothing that pollutes on the next load", async () => {
    const app = makeApp();
    const { cookie, id } = await loggedIn(app);
    await app.fetch("/set?k=__proto__&v=x", { cookie });
    await app.fetch("/set?k=constructor&v=y", { cookie });
    expect(await (await app.fetch("/me", { cookie })).json()).toMatchObject({ user: "alice" });
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect(app.store.raw.get(`sess:${id}`)).toBeTruthy();
  });
});

describe("checklist 31: unserialisable data fails loudly at commit", () => {
  for (const path of ["/bigint", "/cycle", "/map", "/instance"]) {
    it(`${path.slice(1)}: 500 (ERR_SERIALIZE), nothing written, no cookie, previous data intact`, async () => {
      const app = makeApp();
      const { cookie, id } = await loggedIn(app);
      const before = app.store.raw.get(`sess:${id}`);
      app.store.reset();
      const response = await app.fetch(path, { cookie });
      expect(response.status).toBe(500);
      expect(response.headers.get("set-cookie")).toBeNull();
      expect(app.store.writes).toBe(0);
      expect(app.store.raw.get(`sess:${id}`)).toBe(before);
    });
  }

  it("reports ERR_SERIALIZE to the caller of commit (a Map is never stored as {})", async () => {
    const sessions = createSessions({ secret: "x".repeat(32) });
    const session = await sessions.load(new Request("http://127.0.0.1/"));
    session.data.map = new Map([["k", 1]]);
    await expect(sessions.commit(session)).rejects.toMatchObject({ code: "ERR_SERIALIZE" });
  });
});

describe("checklist 32: IDs are safe storage keys", () => {
  it("encodes a custom ID that unstorage would rewrite (':', '/', '\\\\', '?', '..'): IDs that differ only there never share a record", async () => {
    const storage = createStorage({ driver: memoryDriver() });
    const ids = ["a:b:c", "a/b/c", "a\\b\\c", "a:b:c?x", "a:b:c?y", "../a/b/c"];
    let n = 0;
    const sessions = createSessions<{ owner?: string }>({ secret: "x".repeat(32), store: storageStore(storage), genid: () => ids[n++]! });
    const cookies: string[] = [];
    for (const id of ids) {
      const response = await sessions.wrap((_req, s) => {
        s.data.owner = id;
        return new Response("ok");
      })(new Request("http://127.0.0.1/"));
      expect(response.status).toBe(200);
      cookies.push(response.headers.get("set-cookie")!.split(";")[0]!);
    }
    expect(await storage.getKeys()).toHaveLength(ids.length);
    for (const [i, id] of ids.entries()) {
      const s = await sessions.load({ cookie: cookies[i]! });
      expect(s.id).toBe(id);
      expect(s.data.owner).toBe(id);
    }
  });

  it("every generated ID is its own unstorage key: two IDs never share one", async () => {
    const storage = createStorage({ driver: memoryDriver() });
    const sessions = createSessions({ secret: "x".repeat(32), store: storageStore(storage) });
    const ids: string[] = [];
    for (let i = 0; i < 200; i++) {
      const s = await sessions.load(new Request("http://127.0.0.1/"));
      s.data.i = i;
      await sessions.commit(s);
      ids.push(s.id);
    }
    const keys = new Set(await storage.getKeys());
    for (const id of ids) expect(keys.has(`sess:${id}`)).toBe(true);
    expect(keys.size).toBe(200);
  });
});

describe("checklist 37: lifecycle events with hashed IDs", () => {
  it("reports created, regenerated, destroyed, expired, invalid signature, unknown ID and store error without raw IDs", async () => {
    const app = makeApp({ idleTimeout: 60 });
    const first = pairOf(await app.fetch("/set?k=note&v=x"))!; // created
    const login = pairOf(await app.fetch("/login", { cookie: first }))!; // regenerated
    await app.fetch("/logout", { cookie: login }); // destroyed
    await app.fetch("/me", { cookie: "sid=s%3Aforged.forged" }); // invalid signature
    await app.fetch("/me", { cookie: first }); // unknown ID (regenerated away... or refused); either way, no raw ID
    const expiring = pairOf(await app.fetch("/set?k=a&v=b"))!;
    const record = JSON.parse(app.store.raw.get(`sess:${idIn(expiring)}`)!);
    record.__unsession.i = Date.now() - 1;
    record.cookie.expires = null;
    app.store.raw.set(`sess:${idIn(expiring)}`, JSON.stringify(record));
    await app.fetch("/me", { cookie: expiring }); // expired
    const unknown = pairOf(await app.fetch("/set?k=a&v=b"))!;
    app.store.raw.delete(`sess:${idIn(unknown)}`);
    await app.fetch("/me", { cookie: unknown }); // unknown ID
    const live = pairOf(await app.fetch("/set?k=a&v=b"))!;
    app.store.faults.get = "fail";
    await app.fetch("/me", { cookie: live }); // store error
    await settle();
    const types = new Set(app.events.map((e: SessionEvent) => e.type));
    for (const type of ["created", "regenerated", "destroyed", "expired", "invalid_signature", "unknown_id", "store_error"]) expect(types).toContain(type);
    const ids = [first, login, expiring, unknown, live].map(idIn);
    for (const event of app.events) {
      if (event.sid !== undefined) expect(event.sid).toMatch(/^[0-9a-f]{16}$/);
      const text = JSON.stringify({ ...event, error: event.error ? String((event.error as Error).message) : undefined });
      for (const id of ids) expect(text).not.toContain(id);
    }
  });
});
