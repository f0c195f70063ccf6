/**
 * Checklist items 1–12 (session ID and cookie), black-box through `sessions.wrap()`.
 */
import { sign as csSign } from "cookie-signature";
import { describe, expect, it } from "vitest";
import { createSessions, memoryStore, UnsessionError } from "../../src/index.ts";
import { SECRET, attrs, idIn, makeApp, pairOf } from "./harness.ts";

describe("checklist 1: IDs of at least 128 bits from a CSPRNG", () => {
  it("issues 10,000 unique IDs matching ^[A-Za-z0-9_-]{43}$ (32 bytes)", async () => {
    const sessions = createSessions({ secret: SECRET, store: memoryStore() });
    const seen = new Set<string>();
    for (let i = 0; i < 10_000; i++) {
      const session = await sessions.load(new Request("http://127.0.0.1/"));
      session.data.x = 1;
      await sessions.commit(session);
      expect(session.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
      seen.add(session.id);
    }
    expect(seen.size).toBe(10_000);
  });
});

describe("checklist 2: the ID carries no meaning", () => {
  const bytesOf = (id: string): Uint8Array => Uint8Array.from(atob(id.replace(/-/g, "+").replace(/_/g, "/") + "="), (c) => c.charCodeAt(0));

  it("does not contain the user, and every one of its 256 bits is 1 about half the time (no counter, no clock)", async () => {
    const app = makeApp();
    const ids: string[] = [];
    for (let i = 0; i < 2000; i++) ids.push(idIn(pairOf(await app.fetch("/login?user=alice"))!));
    const ones = new Array<number>(256).fill(0);
    for (const id of ids) {
      expect(id.toLowerCase()).not.toContain("alice");
      expect(id).not.toContain(btoa("alice").slice(0, 6));
      const bytes = bytesOf(id);
      expect(bytes.length).toBe(32);
      for (let bit = 0; bit < 256; bit++) if ((bytes[bit >> 3]! >> (7 - (bit & 7))) & 1) ones[bit]!++;
    }
    // A counter or a timestamp leaves its high bits constant; 2000 random IDs put every bit at 50% ± ~1.1% (1 σ).
    for (const count of ones) {
      expect(count / ids.length).toBeGreaterThan(0.4);
      expect(count / ids.length).toBeLessThan(0.6);
    }
  });
});

describe("checklist 3: the ID is accepted only from the configured cookie", () => {
  it("ignores a valid signed ID sent in the query string, a header, a form field or another cookie", async () => {
    const app = makeApp();
    const cookie = pairOf(await app.fetch("/login?user=alice"))!;
    const value = cookie.slice(cookie.indexOf("=") + 1);
    const raw = decodeURIComponent(value);
    app.store.reset();
    const attempts = [
      app.fetch(`/me?sid=${value}`),
      app.fetch("/me", { headers: { "x-session-id": raw } }),
      app.fetch("/me", { headers: { authorization: `Bearer ${raw}` } }),
      app.fetch("/me", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: `sid=${value}` }),
      app.fetch("/me", { cookie: `connect.sid=${value}; session=${value}` }),
    ];
    for (const response of await Promise.all(attempts)) expect(await response.json()).toEqual({ isNew: true });
    expect(app.store.reads).toBe(0);
    expect(await (await app.fetch("/me", { cookie })).json()).toMatchObject({ user: "alice", isNew: false });
  });
});

describe("checklist 4: the signature is checked before any store access", () => {
  it("answers anonymous with zero store reads for a bad, truncated or missing MAC", async () => {
    const app = makeApp();
    const cookie = pairOf(await app.fetch("/login?user=alice"))!;
    const id = idIn(cookie);
    const value = decodeURIComponent(cookie.slice(4));
    const mac = value.slice(value.lastIndexOf(".") + 1);
    const bad = [
      `s:${id}`, // no MAC
      `s:${id}.`, // empty MAC
      `s:${id}.${mac.slice(0, -1)}`, // truncated
      `s:${id}.${mac.slice(0, 10)}`,
      `s:${id}.${mac[0] === "A" ? "B" : "A"}${mac.slice(1)}`, // wrong
      `s:${id}.${csSign(id, "another-secret-that-is-32-chars-long!!").slice(id.length + 1)}`, // other key
      id, // unsigned
      `${id}.${mac}`, // no s: prefix
    ];
    app.store.reset();
    for (const v of bad) {
      const response = await app.fetch("/me", { cookie: `sid=${encodeURIComponent(v)}` });
      expect(await response.json()).toEqual({ isNew: true });
      expect(response.headers.get("set-cookie")).toBeNull();
    }
    expect(app.store.reads).toBe(0);
  });
});

describe("checklist 5: strict session management", () => {
  it("never adopts a validly signed ID that was never issued, even when data is then set", async () => {
    const app = makeApp();
    const planted = "attackerChosenId_0123456789abcdefghijklmno";
    const cookie = `sid=${encodeURIComponent("s:" + csSign(planted, SECRET))}`;
    const response = await app.fetch("/set?k=note&v=mine", { cookie });
    const issued = pairOf(response)!;
    expect(idIn(issued)).not.toBe(planted);
    expect(app.store.raw.has(`sess:${planted}`)).toBe(false);
    expect(await (await app.fetch("/me", { cookie })).json()).toEqual({ isNew: true });
    await new Promise((r) => setTimeout(r, 10));
    expect(app.events.some((e) => e.type === "unknown_id")).toBe(true);
  });
});

describe("checklist 6: HttpOnly by default", () => {
  it("sets HttpOnly on the session cookie", async () => {
    const setCookie = (await makeApp().fetch("/login")).headers.get("set-cookie")!;
    expect(attrs(setCookie).httponly).toBe(true);
  });
});

describe("checklist 7: Secure follows the scheme; X-Forwarded-Proto only with proxy", () => {
  it("is Secure on https and not on http (secure: auto)", async () => {
    const app = makeApp();
    expect(attrs((await app.fetch("/login", { base: "https://127.0.0.1" })).headers.get("set-cookie")!).secure).toBe(true);
    expect(attrs((await app.fetch("/login")).headers.get("set-cookie")!).secure).toBeUndefined();
  });

  it("ignores X-Forwarded-Proto without proxy and trusts it with proxy", async () => {
    const headers = { "x-forwarded-proto": "https" };
    expect(attrs((await makeApp().fetch("/login", { headers })).headers.get("set-cookie")!).secure).toBeUndefined();
    expect(attrs((await makeApp({ proxy: true }).fetch("/login", { headers })).headers.get("set-cookie")!).secure).toBe(true);
  });

  it("never sends a Secure cookie over http (secure: true)", async () => {
    const app = makeApp({ cookie: { secure: true } });
    expect((await app.fetch("/login")).headers.get("set-cookie")).toBeNull();
    expect(app.store.writes).toBe(0); // and no orphan record for an ID no client holds
    expect(attrs((await app.fetch("/login", { base: "https://127.0.0.1" })).headers.get("set-cookie")!).secure).toBe(true);
  });
});

describe("checklist 8: SameSite=Lax by default, None only with Secure", () => {
  it("sets SameSite=Lax by default", async () => {
    expect(String(attrs((await makeApp().fetch("/login")).headers.get("set-cookie")!).samesite).toLowerCase()).toBe("lax");
  });

  it("refuses SameSite=None without Secure at construction", () => {
    expect(() => createSessions({ secret: SECRET, cookie: { sameSite: "none", secure: false } })).toThrow(UnsessionError);
    expect(() => createSessions({ secret: SECRET, cookie: { sameSite: "none", secure: true } })).not.toThrow();
  });
});

describe("checklist 9: __Host- and __Secure- prefix rules at construction", () => {
  it("rejects __Host- without Secure, with a Path other than / or with a Domain; __Secure- without Secure", () => {
    const bad = [
      { name: "__Host-sid", cookie: { secure: "auto" as const } },
      { name: "__Host-sid", cookie: { secure: true, path: "/app" } },
      { name: "__Host-sid", cookie: { secure: true, domain: "example.com" } },
      { name: "__Secure-sid", cookie: { secure: "auto" as const } },
      { name: "__Secure-sid", cookie: { secure: false } },
    ];
    for (const options of bad) expect(() => createSessions({ secret: SECRET, ...options })).toThrow(/__(Host|Secure)-/);
    expect(() => createSessions({ secret: SECRET, name: "__Host-sid", cookie: { secure: true } })).not.toThrow();
    expect(() => createSessions({ secret: SECRET, name: "__Secure-sid", cookie: { secure: true, domain: "example.com" } })).not.toThrow();
  });
});

describe("checklist 10: no Domain by default; outside Path nothing happens", () => {
  it("sets no Domain attribute by default", async () => {
    expect(attrs((await makeApp().fetch("/login")).headers.get("set-cookie")!).domain).toBeUndefined();
  });

  it("a request outside the cookie's Path gets no cookie and causes no store access", async () => {
    const app = makeApp({ cookie: { path: "/app" } });
    const login = await app.fetch("/app/login?user=alice");
    expect(attrs(login.headers.get("set-cookie")!).path).toBe("/app");
    const cookie = pairOf(login)!;
    app.store.reset();
    for (const path of ["/login", "/set?k=a&v=b", "/me", "/application/me", "/ap"]) {
      const response = await app.fetch(path, { cookie });
      expect(response.headers.get("set-cookie")).toBeNull();
      if (path.endsWith("me")) expect(await response.json()).toEqual({ isNew: true });
    }
    expect(app.store.reads + app.store.writes + app.store.deletes).toBe(0);
    expect(await (await app.fetch("/app/me", { cookie })).json()).toMatchObject({ user: "alice" });
  });
});

describe("checklist 11: Max-Age never outlives the server-side deadline", () => {
  it("caps Max-Age by the idle timeout and by the absolute timeout", async () => {
    const idle = attrs((await makeApp({ idleTimeout: 600, cookie: { maxAge: 86_400 } }).fetch("/login")).headers.get("set-cookie")!);
    expect(Number(idle["max-age"])).toBeLessThanOrEqual(600);
    const absolute = attrs((await makeApp({ absoluteTimeout: 300, cookie: { maxAge: 86_400 } }).fetch("/login")).headers.get("set-cookie")!);
    expect(Number(absolute["max-age"])).toBeLessThanOrEqual(300);
    expect(new Date(String(absolute.expires)).getTime()).toBeLessThanOrEqual(Date.now() + 301_000);
  });
});

describe("checklist 12: the raw ID appears only in Set-Cookie", () => {
  it("never puts the ID in the body, Location or another header, redirects and errors included", async () => {
    const app = makeApp();
    const redirect = await app.fetch("/redirect");
    const cookie = pairOf(redirect)!;
    const id = idIn(cookie);
    const responses = [redirect, await app.fetch("/me", { cookie }), await app.fetch("/inc", { cookie })];
    app.store.faults.get = "fail";
    responses.push(await app.fetch("/me", { cookie }));
    for (const response of responses) {
      for (const [name, value] of response.headers) if (name !== "set-cookie") expect(value).not.toContain(id);
      expect(await response.text()).not.toContain(id);
    }
    expect(redirect.headers.get("location")).toBe("http://127.0.0.1/home");
  });
});
