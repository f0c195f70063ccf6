import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cookieStore, createSessions, createSealer, isUnsessionError, memoryStore, type SessionOptions, type UnsessionError } from "../../src/index.ts";
import { client } from "../helpers/client.ts";
import { SECRET, SECRET_2, attribute, cookiePair, cookieValue } from "../helpers/spy-storage.ts";

type Data = { user?: string; n?: number; cart?: string[]; blob?: string };

const PASSWORD = "cookie-store-password-0123456789-abcdefgh";
const PASSWORD_NEW = "cookie-store-password-new-0123456789-abcd";

function setup(options: Partial<SessionOptions> = {}) {
  const errors: UnsessionError[] = [];
  const sessions = createSessions<Data>({ secret: SECRET, store: cookieStore({ password: PASSWORD }), onError: (e) => errors.push(e), ...options });
  return { sessions, browser: client(sessions), errors };
}

const T0 = Date.UTC(2030, 0, 1);
const at = (seconds: number) => vi.setSystemTime(T0 + seconds * 1000);

describe("cookie store: the session travels sealed in the cookie", () => {
  it("round-trips data with no store at all, the cookie holding a seal and no clear text", async () => {
    const { browser } = setup();
    const first = await browser.run((s) => {
      s.data.user = "ada";
      s.data.cart = ["book"];
      return s.id;
    });
    const value = cookieValue(first.setCookie)!;
    expect(value).toMatch(/^u1\.[A-Za-z0-9_-]+\.[0-9a-z]+\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(value).not.toContain("ada");
    const second = await browser.run((s) => ({ data: { ...s.data }, isNew: s.isNew, id: s.id }));
    expect(second.result).toEqual({ data: { user: "ada", cart: ["book"] }, isNew: false, id: first.result });
  });

  it("never calls the store's record methods (they fail with ERR_UNSUPPORTED)", async () => {
    const store = cookieStore({ password: PASSWORD });
    const calls: string[] = [];
    for (const m of ["get", "set", "delete"] as const) {
      const original = store[m];
      (store as unknown as Record<string, unknown>)[m] = (...args: unknown[]) => {
        calls.push(m);
        return (original as (...a: unknown[]) => unknown)(...args);
      };
    }
    const sessions = createSessions<Data>({ secret: SECRET, store });
    const browser = client(sessions);
    await browser.run((s) => void (s.data.n = 1));
    await browser.run((s) => void (s.data.n = 2));
    await browser.run((s) => s.regenerate({ keepData: true }));
    await browser.run((s) => s.destroy());
    expect(calls).toEqual([]);
    expect(() => store.get("x")).toThrow(/keeps no records/);
  });

  it("defaults its password to the secret, with keys apart from the signing ones", async () => {
    const sessions = createSessions<Data>({ secret: SECRET, store: cookieStore() });
    const browser = client(sessions);
    const { setCookie } = await browser.run((s) => void (s.data.n = 7));
    const value = cookieValue(setCookie)!;
    expect(await createSealer(SECRET, "cookie").unseal(value, "sid")).toContain('"n":7');
    expect(await createSealer(SECRET, "record").unseal(value, "sid")).toBeNull();
    expect((await browser.run((s) => s.data.n)).result).toBe(7);
  });

  it("binds the seal to the cookie name: a seal moved to another name is anonymous", async () => {
    const a = setup({ name: "a" });
    const b = setup({ name: "b" });
    const { setCookie } = await a.browser.run((s) => void (s.data.user = "ada"));
    const moved = client(b.sessions, `b=${cookieValue(setCookie)}`);
    expect((await moved.run((s) => ({ isNew: s.isNew, user: s.data.user }))).result).toEqual({ isNew: true, user: undefined });
  });
});

describe("cookie store: the Session API is the same", () => {
  it("sends no cookie for a request that changes nothing, and a new one for a nested change", async () => {
    const { browser } = setup();
    await browser.run((s) => void (s.data.cart = ["a"]));
    expect((await browser.run((s) => s.data.cart)).setCookie).toBeNull();
    const changed = await browser.run((s) => void s.data.cart!.push("b"));
    expect(changed.setCookie).toBeTruthy();
    expect((await browser.run((s) => s.data.cart)).result).toEqual(["a", "b"]);
  });

  it("sends no cookie for a new session that nothing was set in", async () => {
    const { browser } = setup();
    expect((await browser.run((s) => s.data.n)).setCookie).toBeNull();
  });

  it("delivers a flash value once, on the next request", async () => {
    const { browser } = setup();
    await browser.run((s) => s.flash("notice", "saved"));
    expect((await browser.run((s) => s.getFlash("notice"))).result).toBe("saved");
    expect((await browser.run((s) => s.getFlash("notice"))).result).toBeUndefined();
  });

  it("regenerate issues a new ID and seal; keepData keeps the data", async () => {
    const { browser } = setup();
    const before = await browser.run((s) => {
      s.data.user = "ada";
      return s.id;
    });
    const after = await browser.run(async (s) => {
      await s.regenerate({ keepData: true });
      return s.id;
    });
    expect(after.result).not.toBe(before.result);
    expect(cookieValue(after.setCookie)).not.toBe(cookieValue(before.setCookie));
    expect((await browser.run((s) => ({ id: s.id, user: s.data.user }))).result).toEqual({ id: after.result, user: "ada" });
  });

  it("regenerate without keepData replaces the cookie by a seal of empty data", async () => {
    const { browser } = setup();
    await browser.run((s) => void (s.data.user = "ada"));
    const { setCookie } = await browser.run((s) => s.regenerate());
    expect(setCookie).toBeTruthy();
    expect((await browser.run((s) => ({ ...s.data }))).result).toEqual({});
  });

  it("destroy clears the cookie with the same Path", async () => {
    const { browser } = setup({ cookie: { path: "/app" } });
    await browser.run((s) => void (s.data.user = "ada"), { url: "http://127.0.0.1/app/x" });
    const { setCookie } = await browser.run((s) => s.destroy(), { url: "http://127.0.0.1/app/x" });
    expect(cookiePair(setCookie)).toBe("sid=");
    expect(attribute(setCookie!, "Path")).toBe("/app");
    expect(attribute(setCookie!, "Max-Age")).toBe("0");
  });

  it("a copy of the cookie outlives regenerate and destroy (no server-side revocation: documented)", async () => {
    const { browser, sessions } = setup();
    const { setCookie } = await browser.run((s) => void (s.data.user = "ada"));
    const copy = cookiePair(setCookie)!;
    await browser.run((s) => s.regenerate());
    await browser.run((s) => s.destroy());
    const replay = await sessions.load({ cookie: copy });
    expect(replay.data.user).toBe("ada");
  });

  it("a replayed copy behaves the same in the process that destroyed it as anywhere else (no per-process tombstone)", async () => {
    const { browser, sessions } = setup();
    const { setCookie } = await browser.run((s) => void (s.data.user = "ada"));
    const copy = client(sessions, cookiePair(setCookie));
    await browser.run((s) => s.destroy());
    const { setCookie: again } = await copy.run((s) => void (s.data.n = 1));
    expect(again).toBeTruthy();
    expect((await copy.run((s) => [s.data.user, s.data.n])).result).toEqual(["ada", 1]);
  });

  it("reload discards this request's changes", async () => {
    const { browser } = setup();
    await browser.run((s) => void (s.data.n = 1));
    const { result } = await browser.run(async (s) => {
      s.data.n = 99;
      await s.reload();
      return s.data.n;
    });
    expect(result).toBe(1);
  });

  it("keeps a per-session cookie lifetime (remember me)", async () => {
    const { browser } = setup({ cookie: { maxAge: 3600 } });
    await browser.run((s) => {
      s.data.user = "ada";
      s.cookie.maxAge = 86_400 * 30;
    });
    const { setCookie } = await browser.run((s) => void (s.data.n = 1));
    expect(attribute(setCookie!, "Max-Age")).toBe(String(86_400 * 30));
  });

  it("setUser works; listUserSessions and revokeUser fail with ERR_UNSUPPORTED", async () => {
    const { browser, sessions } = setup();
    await browser.run((s) => s.setUser("u1"));
    expect((await browser.run((s) => s.userId)).result).toBe("u1");
    for (const call of [() => sessions.listUserSessions("u1"), () => sessions.revokeUser("u1")]) {
      const error = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isUnsessionError(error) && error.code).toBe("ERR_UNSUPPORTED");
    }
  });
});

describe("cookie store: password rotation", () => {
  it("opens a seal of the old password and seals it again under the new one, unasked", async () => {
    const old = createSessions<Data>({ secret: SECRET, store: cookieStore({ password: PASSWORD }) });
    const { setCookie } = await client(old).run((s) => void (s.data.user = "ada"));
    const rotated = createSessions<Data>({ secret: SECRET, store: cookieStore({ password: [PASSWORD_NEW, PASSWORD] }) });
    const browser = client(rotated, cookiePair(setCookie));
    const read = await browser.run((s) => s.data.user);
    expect(read.result).toBe("ada");
    expect(read.setCookie).toBeTruthy();
    // The new cookie opens without the old password; the old one does not.
    const only = createSessions<Data>({ secret: SECRET, store: cookieStore({ password: PASSWORD_NEW }) });
    expect((await client(only, browser.cookie).run((s) => s.data.user)).result).toBe("ada");
    expect((await client(only, cookiePair(setCookie)).run((s) => s.isNew)).result).toBe(true);
    // Once re-sealed, an unchanged request sends nothing.
    expect((await browser.run((s) => s.data.user)).setCookie).toBeNull();
  });

  it("follows the manager's secret rotation when no password is given", async () => {
    const old = createSessions<Data>({ secret: SECRET, store: cookieStore() });
    const { setCookie } = await client(old).run((s) => void (s.data.n = 3));
    const rotated = createSessions<Data>({ secret: [SECRET_2, SECRET], store: cookieStore() });
    expect((await client(rotated, cookiePair(setCookie)).run((s) => s.data.n)).result).toBe(3);
    const removed = createSessions<Data>({ secret: [SECRET_2], store: cookieStore() });
    expect((await client(removed, cookiePair(setCookie)).run((s) => s.isNew)).result).toBe(true);
  });
});

describe("cookie store: deadlines come from the seal", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
    at(0);
  });
  afterEach(() => void vi.useRealTimers());

  it("expires after the idle timeout, and activity (a touch) extends it with a new seal", async () => {
    const { browser, sessions } = setup({ idleTimeout: 600, touchAfter: 60 });
    const { setCookie } = await browser.run((s) => void (s.data.user = "ada"));
    const first = cookiePair(setCookie)!;
    at(300);
    const touched = await browser.run((s) => s.data.user);
    expect(touched.result).toBe("ada");
    expect(touched.setCookie).toBeTruthy();
    at(800);
    // The touched cookie lives on; the first one died at 600 s, whatever its carrier says.
    expect((await browser.run((s) => s.data.user)).result).toBe("ada");
    expect((await sessions.load({ cookie: first })).isNew).toBe(true);
  });

  it("enforces the absolute timeout however active the session is", async () => {
    const { browser } = setup({ idleTimeout: 600, touchAfter: 0, absoluteTimeout: 1000 });
    await browser.run((s) => void (s.data.user = "ada"));
    for (const t of [300, 600, 900]) {
      at(t);
      expect((await browser.run((s) => s.data.user)).result).toBe("ada");
    }
    at(1001);
    expect((await browser.run((s) => ({ user: s.data.user, isNew: s.isNew }))).result).toEqual({ user: undefined, isNew: true });
  });

  it("rolling sends the cookie on every response", async () => {
    const { browser } = setup({ rolling: true, cookie: { maxAge: 600 } });
    await browser.run((s) => void (s.data.user = "ada"));
    at(1);
    expect((await browser.run((s) => s.data.user)).setCookie).toContain("Max-Age=");
  });
});

describe("cookie store: size", () => {
  it("fails a commit whose cookie would pass 4,096 bytes with ERR_COOKIE_SIZE, and sends no cookie", async () => {
    const { browser, errors } = setup();
    const { response, setCookie } = await browser.run((s) => void (s.data.blob = "x".repeat(4000)));
    expect(response.status).toBe(500);
    expect(setCookie).toBeNull();
    expect(errors.map((e) => e.code)).toContain("ERR_COOKIE_SIZE");
    expect(errors[0]!.message).toMatch(/more than the 4096 a browser keeps/);
  });

  it("accepts data up to the limit: the largest cookie sent stays within 4,096 bytes", async () => {
    let largest = 0;
    let refused = 0;
    for (let n = 2800; n <= 3000; n += 4) {
      const { setCookie } = await client(setup().sessions).run((s) => void (s.data.blob = "y".repeat(n)));
      if (setCookie) largest = Math.max(largest, cookiePair(setCookie)!.length);
      else refused++;
    }
    // Both sides of the limit were met: the largest accepted cookie is within a few bytes of it.
    expect(refused).toBeGreaterThan(0);
    expect(largest).toBeGreaterThan(4090);
    expect(largest).toBeLessThanOrEqual(4096);
  });

  it("commit() rejects with ERR_COOKIE_SIZE", async () => {
    const { sessions } = setup({ store: cookieStore({ password: PASSWORD, maxSize: 512 }) });
    const s = await sessions.load({ cookie: null });
    s.data.blob = "z".repeat(600);
    await expect(sessions.commit(s)).rejects.toMatchObject({ code: "ERR_COOKIE_SIZE" });
  });

  it("refuses a maxSize outside 256–4096", () => {
    expect(() => cookieStore({ maxSize: 5000 })).toThrow(/maxSize/);
    expect(() => cookieStore({ maxSize: 10 })).toThrow(/maxSize/);
  });
});

describe("cookie store: an app switches stores by changing only `store`", () => {
  for (const [name, store] of [
    ["memoryStore()", () => memoryStore()],
    ["cookieStore()", () => cookieStore()],
  ] as const) {
    it(`runs the same login, flash, logout flow on ${name}`, async () => {
      const sessions = createSessions<Data>({ secret: SECRET, store: store() });
      const browser = client(sessions);
      await browser.run(async (s) => {
        await s.regenerate();
        s.data.user = "ada";
        s.flash("hello", "welcome");
      });
      expect((await browser.run((s) => [s.data.user, s.getFlash("hello")])).result).toEqual(["ada", "welcome"]);
      await browser.run((s) => void (s.data.n = (s.data.n ?? 0) + 1));
      expect((await browser.run((s) => s.data.n)).result).toBe(1);
      await browser.run((s) => s.destroy());
      expect(browser.cookie).toBeNull();
      expect((await browser.run((s) => s.isNew)).result).toBe(true);
    });
  }
});
