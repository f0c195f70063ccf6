import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createSessions, type SessionEvent, type SessionOptions } from "../../src/index.ts";
import { client } from "../helpers/client.ts";
import { SECRET, idOf, spyStorage } from "../helpers/spy-storage.ts";

type Data = { n?: number; x?: number };
const T0 = Date.parse("2030-01-01T00:00:00Z");
const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

/** The storage is unstorage's memory driver, which has no TTL: only the core enforces deadlines here. */
function setup(options: Partial<SessionOptions> = {}) {
  const spy = spyStorage();
  const events: SessionEvent[] = [];
  const sessions = createSessions<Data>({ secret: SECRET, storage: spy.storage, onEvent: (e) => events.push(e), ...options });
  return { spy, sessions, events, browser: client(sessions) };
}

const at = (seconds: number) => vi.setSystemTime(T0 + seconds * 1000);
const writes = (spy: ReturnType<typeof spyStorage>) => spy.calls.filter((c) => c.op === "setItemRaw");

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  at(0);
});
afterEach(() => {
  vi.useRealTimers();
});

describe("expiry: idle timeout", () => {
  it("expires a session unused for longer than idleTimeout, though the store still holds it", async () => {
    const { browser, spy, events } = setup({ idleTimeout: 60 });
    await browser.run((s) => void (s.data.n = 1));
    at(61);
    spy.reset();
    const { result } = await browser.run((s) => ({ n: s.data.n, isNew: s.isNew }));
    expect(result).toEqual({ n: undefined, isNew: true });
    // The expired record is removed.
    expect(spy.counts()).toMatchObject({ reads: 1, removes: 1 });
    await settle();
    expect(await spy.keys()).toEqual([]);
    await vi.waitFor(() => expect(events.map((e) => e.type)).toContain("expired"));
  });

  it("keeps a session alive while it is used within idleTimeout", async () => {
    const { browser } = setup({ idleTimeout: 60 });
    await browser.run((s) => void (s.data.n = 1));
    for (let t = 40; t <= 400; t += 40) {
      at(t);
      const { result } = await browser.run((s) => s.data.n);
      expect(result, `at ${t}s`).toBe(1);
    }
  });

  it("does not let a new expired-session request resurrect the old ID", async () => {
    const { browser, spy } = setup({ idleTimeout: 60 });
    await browser.run((s) => void (s.data.n = 1));
    const oldCookie = browser.cookie;
    at(120);
    await browser.run((s) => void (s.data.n = 2));
    expect(browser.cookie).not.toBe(oldCookie);
    expect(await spy.keys()).toEqual([`sess:${idOf(browser.cookie)}`]);
  });

  it("treats an expired express-session record (no unsession metadata) as missing and removes it", async () => {
    const { sessions, spy } = setup();
    const { sign } = await import("cookie-signature");
    const id = "expressWrittenId_0123456789abcdefghij";
    await spy.put(`sess:${id}`, JSON.stringify({ cookie: { originalMaxAge: 1000, expires: new Date(T0 - 1000).toISOString(), path: "/" }, n: 1 }));
    const session = await sessions.load({ cookie: `sid=${encodeURIComponent(`s:${sign(id, SECRET)}`)}` });
    expect(session.isNew).toBe(true);
    expect(session.data.n).toBeUndefined();
    await settle();
    expect(await spy.keys()).toEqual([]);
  });
});

describe("expiry: absolute timeout", () => {
  it("expires a session absoluteTimeout after creation, however active it is", async () => {
    const { browser } = setup({ idleTimeout: 60, absoluteTimeout: 200 });
    await browser.run((s) => void (s.data.n = 1));
    for (const t of [50, 100, 150, 199]) {
      at(t);
      const { result } = await browser.run((s) => {
        s.data.n = t;
        return s.isNew;
      });
      expect(result, `at ${t}s`).toBe(false);
    }
    at(201);
    const { result } = await browser.run((s) => ({ n: s.data.n, isNew: s.isNew }));
    expect(result).toEqual({ n: undefined, isNew: true });
  });

  it("starts a new absolute window when the session is regenerated (a login is a new session)", async () => {
    // Regenerate issues a new session: its absolute deadline counts from the regeneration (a login is a new session).
    const { browser } = setup({ absoluteTimeout: 100 });
    await browser.run((s) => void (s.data.n = 1));
    at(90);
    await browser.run((s) => s.regenerate({ keepData: true }));
    at(150);
    const { result } = await browser.run((s) => s.data.n);
    expect(result).toBe(1);
    at(191);
    const { result: after } = await browser.run((s) => s.data.n);
    expect(after).toBeUndefined();
  });
});

describe("expiry: TTL handed to the storage", () => {
  it("passes the idle timeout as ttl in seconds", async () => {
    const { browser, spy } = setup({ idleTimeout: 600 });
    await browser.run((s) => void (s.data.n = 1));
    expect(writes(spy).map((c) => c.ttl)).toEqual([600]);
  });

  it("defaults the ttl to cookie.maxAge, or one day for a browser-session cookie", async () => {
    const a = setup({ cookie: { maxAge: 1234 } });
    await a.browser.run((s) => void (s.data.n = 1));
    expect(writes(a.spy)[0]!.ttl).toBe(1234);
    const b = setup();
    await b.browser.run((s) => void (s.data.n = 1));
    expect(writes(b.spy)[0]!.ttl).toBe(86_400);
  });

  it("never passes a ttl beyond the absolute deadline", async () => {
    const { browser, spy } = setup({ idleTimeout: 600, absoluteTimeout: 900 });
    await browser.run((s) => void (s.data.n = 1));
    at(500);
    await browser.run((s) => void (s.data.n = 2));
    expect(writes(spy).map((c) => c.ttl)).toEqual([600, 400]);
  });
});

describe("expiry: throttled touch", () => {
  it("does not rewrite a busy session on every request, and touches it once touchAfter has passed", async () => {
    // idleTimeout 600 → touchAfter defaults to 60 s.
    const { browser, spy } = setup({ idleTimeout: 600 });
    await browser.run((s) => void (s.data.n = 1));
    spy.reset();
    for (let t = 1; t < 60; t += 5) {
      at(t);
      await browser.run((s) => s.data.n);
    }
    expect(writes(spy)).toHaveLength(0);
    at(61);
    await browser.run((s) => s.data.n);
    expect(writes(spy)).toHaveLength(1);
    expect(writes(spy)[0]!.ttl).toBe(600);
    // The touch moved the idle deadline: alive at 61 + 599, though 660 is past the first deadline.
    at(61 + 599);
    const { result } = await browser.run((s) => s.data.n);
    expect(result).toBe(1);
  });

  it("honours an explicit touchAfter", async () => {
    const { browser, spy } = setup({ idleTimeout: 600, touchAfter: 10 });
    await browser.run((s) => void (s.data.n = 1));
    spy.reset();
    at(5);
    await browser.run(() => undefined);
    expect(writes(spy)).toHaveLength(0);
    at(11);
    await browser.run(() => undefined);
    expect(writes(spy)).toHaveLength(1);
  });

  it("session.touch() extends the idle deadline at once, bypassing the throttle", async () => {
    const { browser, spy } = setup({ idleTimeout: 600 });
    await browser.run((s) => void (s.data.n = 1));
    spy.reset();
    at(5);
    await browser.run((s) => s.touch());
    expect(writes(spy)).toHaveLength(1);
  });

  it("never writes stale data: a touch after a concurrent change keeps that change", async () => {
    const { sessions, browser, spy } = setup({ idleTimeout: 600 });
    await browser.run((s) => void (s.data.n = 1));
    at(100); // past touchAfter: request 1 will want to touch
    const r1 = await sessions.load({ cookie: browser.cookie });
    const r2 = await sessions.load({ cookie: browser.cookie });
    expect(r1.data.n).toBe(1);
    r2.data.x = 42;
    await sessions.commit(r2);
    await sessions.commit(r1); // unmodified: a touch
    const keys = await spy.keys();
    const record = JSON.parse((await spy.raw(keys[0]!)) as string);
    expect(record.x).toBe(42);
    expect(record.n).toBe(1);
    const r3 = await sessions.load({ cookie: browser.cookie });
    expect(r3.data).toEqual({ n: 1, x: 42 });
  });

  it("touches once when parallel requests on one session all find a touch due", async () => {
    const { sessions, browser, spy } = setup({ idleTimeout: 600 });
    await browser.run((s) => void (s.data.n = 1));
    at(100);
    const loaded = await Promise.all([1, 2, 3, 4].map(() => sessions.load({ cookie: browser.cookie })));
    spy.reset();
    await Promise.all(loaded.map((s) => sessions.commit(s)));
    expect(writes(spy)).toHaveLength(1);
  });
});
