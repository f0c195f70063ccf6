/**
 * Checklist items 13–22 (lifecycle and integrity), black-box through `sessions.wrap()`.
 * Items 16, 17 and 22 are proved in extras.test.ts (lead); this file adds what it lacks.
 */
import { readFileSync } from "node:fs";
import { sign as csSign } from "cookie-signature";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createSessions, UnsessionError } from "../../src/index.ts";
import { spyStorage } from "../helpers/spy-storage.ts";
import { SECRET, SECRET_NEW, attrs, faultyStore, idIn, makeApp, pairOf } from "./harness.ts";

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("checklist 1: IDs come from crypto.getRandomValues", () => {
  it("calls crypto.getRandomValues for 32 bytes per new ID", async () => {
    const spy = vi.spyOn(globalThis.crypto, "getRandomValues");
    const app = makeApp();
    await app.fetch("/set?k=a&v=b");
    const sizes = spy.mock.calls.map(([array]) => (array as Uint8Array).byteLength);
    expect(sizes).toContain(32);
  });
});

describe("checklist 13: regenerate on login", () => {
  it("issues a new ID; the old one is dead at once (replay is anonymous, record gone)", async () => {
    const app = makeApp();
    const before = pairOf(await app.fetch("/set?k=note&v=pre-login"))!;
    const login = await app.fetch("/login?user=alice", { cookie: before });
    const after = pairOf(login)!;
    expect(idIn(after)).not.toBe(idIn(before));
    expect(app.store.raw.has(`sess:${idIn(before)}`)).toBe(false);
    expect(await (await app.fetch("/me", { cookie: before })).json()).toEqual({ isNew: true });
    expect(await (await app.fetch("/me", { cookie: after })).json()).toEqual({ user: "alice", isNew: false });
  });

  it("keeps the data with keepData, still under a new ID", async () => {
    const app = makeApp();
    const before = pairOf(await app.fetch("/set?k=note&v=cart"))!;
    const after = pairOf(await app.fetch("/login-keep?user=bob", { cookie: before }))!;
    expect(idIn(after)).not.toBe(idIn(before));
    expect(await (await app.fetch("/me", { cookie: after })).json()).toEqual({ note: "cart", user: "bob", isNew: false });
    expect(await (await app.fetch("/me", { cookie: before })).json()).toEqual({ isNew: true });
  });
});

describe("checklist 14: logout", () => {
  it("removes the record and clears the cookie with the same name, Path and Domain", async () => {
    const app = makeApp({ name: "app_sid", cookie: { path: "/app", domain: "127.0.0.1" } });
    const login = await app.fetch("/app/login");
    const cookie = pairOf(login)!;
    const set = attrs(login.headers.get("set-cookie")!);
    const logout = await app.fetch("/app/logout", { cookie });
    const clear = logout.headers.get("set-cookie")!;
    expect(clear.startsWith("app_sid=;")).toBe(true);
    const a = attrs(clear);
    expect(a.path).toBe(set.path);
    expect(a.domain).toBe(set.domain);
    expect(a["max-age"] === "0" || new Date(String(a.expires)).getTime() <= Date.now()).toBe(true);
    expect(app.store.raw.has(`sess:${idIn(cookie)}`)).toBe(false);
    expect(await (await app.fetch("/app/me", { cookie })).json()).toEqual({ isNew: true });
  });
});

describe("checklist 15: idle and absolute timeouts, server-side", () => {
  const setup = (options: { idleTimeout?: number; absoluteTimeout?: number }) => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2030-01-01T00:00:00Z"));
    const spy = spyStorage(); // unstorage memory: no TTL of its own, so only the core can expire records
    const sessions = createSessions<{ user?: string }>({ secret: SECRET, storage: spy.storage, ...options });
    const handler = sessions.wrap((request, session) => {
      if (new URL(request.url).pathname === "/login") session.data.user = "alice";
      return new Response(session.data.user ?? "anonymous");
    });
    const get = (path: string, cookie?: string) => handler(new Request(`http://127.0.0.1${path}`, { headers: cookie ? { cookie } : {} }));
    const advance = (seconds: number) => vi.setSystemTime(Date.now() + seconds * 1000);
    return { spy, get, advance };
  };

  it("expires an idle session on load and removes its record from a store without TTL", async () => {
    const { spy, get, advance } = setup({ idleTimeout: 60 });
    const cookie = pairOf(await get("/login"))!;
    advance(30);
    expect(await (await get("/", cookie)).text()).toBe("alice");
    advance(61);
    // Whatever the browser does with Expires (a client may send the cookie past it), the server decides.
    expect(await (await get("/", `${cookie}; Expires=Fri, 31 Dec 9999 23:59:59 GMT`)).text()).toBe("anonymous");
    await new Promise((r) => setTimeout(r, 10));
    expect(await spy.keys()).toEqual([]);
  });

  it("expires a session at the absolute timeout even when it is used all the time", async () => {
    const { get, advance } = setup({ idleTimeout: 60, absoluteTimeout: 300 });
    const cookie = pairOf(await get("/login"))!;
    for (let t = 0; t < 280; t += 40) {
      advance(40);
      const response = await get("/", cookie);
      expect(await response.text()).toBe("alice");
      // Every touch, too, keeps Max-Age under the absolute deadline.
      const setCookie = response.headers.get("set-cookie");
      if (setCookie) expect(Number(attrs(setCookie)["max-age"])).toBeLessThanOrEqual(300 - t);
    }
    advance(40); // 320 s after login
    expect(await (await get("/", cookie)).text()).toBe("anonymous");
  });

  it("ignores a record whose stored deadline passed, even when the store returns it", async () => {
    const { spy, get } = setup({ idleTimeout: 60 });
    const cookie = pairOf(await get("/login"))!;
    const key = `sess:${idIn(cookie)}`;
    const record = JSON.parse(String(await spy.raw(key)));
    // Both deadlines in the record have passed, but the store (no TTL) still returns it: the core's check decides.
    record.__unsession.i = Date.now() - 1000;
    record.cookie.expires = new Date(Date.now() - 1000).toISOString();
    await spy.put(key, JSON.stringify(record));
    expect(await (await get("/", cookie)).text()).toBe("anonymous");
    await new Promise((r) => setTimeout(r, 10));
    expect(await spy.raw(key)).toBeNull();
  });
});

describe("checklist 16: renewal through the core (see also extras.test.ts)", () => {
  it("renews the ID after renewAfter and the new cookie carries the same session", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const app = makeApp({ renewAfter: 60, renewGrace: 5 });
    const old = pairOf(await app.fetch("/login?user=alice"))!;
    vi.setSystemTime(Date.now() + 61_000);
    const response = await app.fetch("/me", { cookie: old });
    const renewed = pairOf(response)!;
    expect(idIn(renewed)).not.toBe(idIn(old));
    expect(await (await app.fetch("/me", { cookie: renewed })).json()).toEqual({ user: "alice", isNew: false });
    vi.setSystemTime(Date.now() + 6_000);
    expect(await (await app.fetch("/me", { cookie: old })).json()).toEqual({ isNew: true });
  });
});

describe("checklist 18: no session without intent", () => {
  it("a request that never writes gets no cookie and causes no store write", async () => {
    const app = makeApp();
    const response = await app.fetch("/peek");
    expect(response.headers.get("set-cookie")).toBeNull();
    expect(app.store.writes).toBe(0);
    const cookie = pairOf(await app.fetch("/login"))!;
    app.store.reset();
    for (let i = 0; i < 5; i++) expect((await app.fetch("/peek", { cookie })).headers.get("set-cookie")).toBeNull();
    expect(app.store.writes).toBe(0);
  });
});

describe("checklist 19: HMAC-SHA256, the signing secret of at least 32 characters", () => {
  it("refuses a short signing secret; a short secret later in the list only verifies (express-session's, warned)", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    expect(() => createSessions({ secret: "x".repeat(31) })).toThrow(/at least 32 characters/);
    expect(() => createSessions({ secret: ["keyboard cat", SECRET] })).toThrow(/at least 32 characters/);
    expect(() => createSessions({ secret: [] })).toThrow(UnsessionError);
    expect(() => createSessions({ secret: [SECRET, ""] })).toThrow(UnsessionError);
    const app = makeApp({ secret: [SECRET, "keyboard cat"] });
    const legacy = `sid=${encodeURIComponent("s:" + csSign("forged-with-a-guessed-key", "keyboard cat"))}`;
    // Strict IDs (item 5): a weak old key lets a forger sign only IDs that exist; an unknown one is anonymous.
    expect(await (await app.fetch("/me", { cookie: legacy })).json()).toEqual({ isNew: true });
    // New cookies are signed with the strong secret.
    const fresh = pairOf(await app.fetch("/login"))!;
    expect(decodeURIComponent(fresh.slice(4))).toBe("s:" + csSign(idIn(fresh), SECRET));
  });

  it("a cookie an express-session app signed with its short secret verifies under [strong, short] and is re-signed", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const legacyApp = makeApp({ secret: "keyboard cat", compat: "express-session" });
    const old = pairOf(await legacyApp.fetch("/login?user=ann"))!;
    expect(decodeURIComponent(old.slice(4))).toBe("s:" + csSign(idIn(old), "keyboard cat"));
    const app = makeApp({ secret: [SECRET, "keyboard cat"] }, legacyApp.store);
    const response = await app.fetch("/me", { cookie: old });
    expect(await response.json()).toMatchObject({ user: "ann", isNew: false });
    const resigned = pairOf(response)!;
    expect(idIn(resigned)).toBe(idIn(old));
    expect(decodeURIComponent(resigned.slice(4))).toBe("s:" + csSign(idIn(old), SECRET));
  });

  it("signs with HMAC-SHA256 (the MAC is cookie-signature's) and flipping any one character is anonymous", async () => {
    const app = makeApp();
    const cookie = pairOf(await app.fetch("/login"))!;
    const value = decodeURIComponent(cookie.slice(4));
    expect(value).toBe("s:" + csSign(idIn(cookie), SECRET));
    app.store.reset();
    for (let i = 2; i < value.length; i++) {
      if (value[i] === ".") continue;
      const flipped = value.slice(0, i) + (value[i] === "a" ? "b" : "a") + value.slice(i + 1);
      expect(await (await app.fetch("/me", { cookie: `sid=${encodeURIComponent(flipped)}` })).json()).toEqual({ isNew: true });
    }
    expect(app.store.reads).toBe(0);
  });
});

describe("checklist 20: constant-time verification", () => {
  it("verifies MACs with crypto.subtle.verify", async () => {
    const app = makeApp();
    const cookie = pairOf(await makeApp().fetch("/login"))!; // signed by another manager: not in this one's cache
    const verify = vi.spyOn(globalThis.crypto.subtle, "verify");
    await app.fetch("/me", { cookie });
    expect(verify).toHaveBeenCalled();
    expect(verify.mock.calls[0]![0]).toBe("HMAC");
  });

  it("never compares MACs with === or a string comparison in the signer", () => {
    const source = readFileSync(new URL("../../src/signer.ts", import.meta.url), "utf8");
    const code = source.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
    // Length checks are fine; comparing MAC bytes or strings with (in)equality operators is not.
    expect(code).not.toMatch(/\b(mac|signature|expected|actual)\s*[!=]==?\s*[^\d\s]/i);
    expect(code).not.toMatch(/[!=]==?\s*(mac|signature|expected)\b(?!\.length)/i);
    expect(code).toContain("subtle.verify(");
    expect(code).not.toMatch(/timingSafeEqual|localeCompare/);
  });
});

describe("checklist 21: secret rotation", () => {
  it("accepts a k1 cookie under [k2, k1] and re-signs it with k2; [k2] alone rejects it", async () => {
    const store = faultyStore();
    const k1 = makeApp({ secret: SECRET }, store);
    const cookie = pairOf(await k1.fetch("/login?user=alice"))!;
    const rotating = makeApp({ secret: [SECRET_NEW, SECRET] }, store);
    const response = await rotating.fetch("/me", { cookie });
    expect(await response.json()).toEqual({ user: "alice", isNew: false });
    const resigned = pairOf(response)!;
    expect(decodeURIComponent(resigned.slice(4))).toBe("s:" + csSign(idIn(cookie), SECRET_NEW));
    const k2only = makeApp({ secret: SECRET_NEW }, store);
    store.reset();
    expect(await (await k2only.fetch("/me", { cookie })).json()).toEqual({ isNew: true });
    expect(store.reads).toBe(0);
    expect(await (await k2only.fetch("/me", { cookie: resigned })).json()).toEqual({ user: "alice", isNew: false });
  });
});

describe("checklist 22: hashed IDs at rest (see also extras.test.ts)", () => {
  it("keeps no raw ID in any stored key or value, the user index included", async () => {
    const app = makeApp({ hashIds: true });
    const cookie = pairOf(await app.fetch("/login?user=alice"))!;
    const id = idIn(cookie);
    expect(app.store.written.length).toBeGreaterThan(0);
    for (const key of app.store.written) {
      expect(key).not.toContain(id);
      expect(String(app.store.raw.get(key))).not.toContain(id);
    }
    expect(await (await app.fetch("/me", { cookie })).json()).toEqual({ user: "alice", isNew: false });
  });
});
