import { describe, expect, it } from "vitest";
import { Session, createSessions, memoryStore } from "../../src/index.ts";
import { SECRET, cookiePair, request, spyStorage } from "../helpers/spy-storage.ts";

type Data = { n?: number };
const isThenable = (value: unknown): boolean => value !== null && typeof value === "object" && typeof (value as { then?: unknown }).then === "function";

/** A manager on the default memory store, and the cookie of a session it issued (so it has seen it). */
async function seen(options: { cookie?: { maxAge?: number } } = {}) {
  const sessions = createSessions<Data>({ secret: SECRET, ...options });
  const first = await sessions.load({ cookie: null });
  first.data.n = 1;
  const cookie = cookiePair(await sessions.commit(first))!;
  return { sessions, cookie };
}

describe("sync fast path (default memory store)", () => {
  it("loadFast returns a Session synchronously for a cookie seen before", async () => {
    const { sessions, cookie } = await seen();
    const result = sessions.loadFast({ cookie });
    expect(isThenable(result)).toBe(false);
    expect(result).toBeInstanceOf(Session);
    expect((result as Session<Data>).data.n).toBe(1);
    expect((result as Session<Data>).isNew).toBe(false);
  });

  it("loadFast is synchronous for a Request too", async () => {
    const { sessions, cookie } = await seen();
    const result = sessions.loadFast(request(cookie));
    expect(isThenable(result)).toBe(false);
    expect((result as Session<Data>).data.n).toBe(1);
  });

  it("loadFast is synchronous without a cookie", () => {
    const sessions = createSessions<Data>({ secret: SECRET });
    const result = sessions.loadFast({ cookie: null });
    expect(isThenable(result)).toBe(false);
    expect((result as Session<Data>).isNew).toBe(true);
  });

  it("loadFast returns a promise for a cookie never verified by this manager (one HMAC), then is sync", async () => {
    const store = memoryStore();
    const a = createSessions<Data>({ secret: SECRET, store });
    const s = await a.load({ cookie: null });
    s.data.n = 1;
    const cookie = cookiePair(await a.commit(s))!;
    const b = createSessions<Data>({ secret: SECRET, store });
    const first = b.loadFast({ cookie });
    expect(isThenable(first)).toBe(true);
    expect((await first).data.n).toBe(1);
    const second = b.loadFast({ cookie });
    expect(isThenable(second)).toBe(false);
  });

  it("commitFast returns null synchronously when nothing must be written", async () => {
    const { sessions, cookie } = await seen();
    const session = sessions.loadFast({ cookie }) as Session<Data>;
    expect(session.data.n).toBe(1);
    const out = sessions.commitFast(session);
    expect(isThenable(out)).toBe(false);
    expect(out).toBeNull();
  });

  it("commitFast is synchronous for an anonymous request that sets nothing", () => {
    const sessions = createSessions<Data>({ secret: SECRET });
    const session = sessions.loadFast({ cookie: null }) as Session<Data>;
    const out = sessions.commitFast(session);
    expect(isThenable(out)).toBe(false);
    expect(out).toBeNull();
  });

  it("commitFast is synchronous even for a change, when the ID is already signed and the store is the memory store", async () => {
    const { sessions, cookie } = await seen({ cookie: { maxAge: 3600 } });
    const session = sessions.loadFast({ cookie }) as Session<Data>;
    session.data.n = 2;
    const out = sessions.commitFast(session);
    expect(isThenable(out)).toBe(false);
    expect(cookiePair(out as string)).toBe(cookie);
    expect((sessions.loadFast({ cookie }) as Session<Data>).data.n).toBe(2);
  });

  it("after prepare(), commitFast of a new session needs no await for signing", async () => {
    const sessions = createSessions<Data>({ secret: SECRET });
    const session = await sessions.load({ cookie: null });
    session.data.n = 1;
    await sessions.prepare(session);
    const out = sessions.commitFast(session);
    expect(isThenable(out)).toBe(false);
    expect(out).toMatch(/^sid=s%3A/);
  });

  it("load (the async form) still returns a promise, with the same session", async () => {
    const { sessions, cookie } = await seen();
    const p = sessions.load({ cookie });
    expect(isThenable(p)).toBe(true);
    expect((await p).data.n).toBe(1);
  });

  it("an unstorage storage (async) makes loadFast a promise", async () => {
    const spy = spyStorage();
    const sessions = createSessions<Data>({ secret: SECRET, storage: spy.storage });
    const s = await sessions.load({ cookie: null });
    s.data.n = 1;
    const cookie = cookiePair(await sessions.commit(s))!;
    const out = sessions.loadFast({ cookie });
    expect(isThenable(out)).toBe(true);
    expect((await out).data.n).toBe(1);
  });
});
