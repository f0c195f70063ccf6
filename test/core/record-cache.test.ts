/**
 * The parse cache of records (src/record-cache.ts): a store that returns the same text again is not parsed
 * again, and nothing a handler does to its copy reaches another request's session.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { createSessions, memoryStore, type Session, type SessionStore } from "../../src/index.ts";
import { dataOf, sameJson } from "../../src/record.ts";

const SECRET = "record-cache-secret-record-cache-secret-0123";
type Data = { views?: number; user?: { name: string; roles: string[] } };

/** A memory store whose texts can be read and replaced from the test. */
function textStore() {
  const texts = new Map<string, string>();
  const store: SessionStore = {
    get: (key) => texts.get(key) ?? null,
    set: (key, value) => void texts.set(key, value),
    delete: (key) => void texts.delete(key),
  };
  return { store, texts };
}

async function seeded(store: SessionStore, options: Record<string, unknown> = {}) {
  const sessions = createSessions<Data>({ secret: SECRET, store, ...options });
  const s = await sessions.load({ cookie: null });
  s.data.views = 1;
  s.data.user = { name: "ann", roles: ["buyer"] };
  const cookie = (await sessions.commit(s))!.split(";")[0]!;
  return { sessions, cookie };
}

afterEach(() => vi.restoreAllMocks());

describe("record parse cache", () => {
  it("parses an unchanged record once: the next loads copy it (no JSON.parse) and still read the store each time", async () => {
    const { store } = textStore();
    const get = vi.spyOn(store, "get");
    const { sessions, cookie } = await seeded(store);
    await sessions.load({ cookie }); // seen once
    await sessions.load({ cookie }); // seen twice: kept
    const parse = vi.spyOn(JSON, "parse");
    for (let i = 0; i < 3; i++) {
      const s = await sessions.load({ cookie });
      expect(s.data.user?.roles).toEqual(["buyer"]);
      expect(await sessions.commit(s)).toBeNull();
    }
    expect(parse).not.toHaveBeenCalled();
    expect(get).toHaveBeenCalledTimes(5);
  });

  it("hands every request its own copy: a nested change that is not committed never shows in the next request", async () => {
    const { store } = textStore();
    const { sessions, cookie } = await seeded(store);
    await sessions.load({ cookie });
    await sessions.load({ cookie });
    const first = await sessions.load({ cookie });
    first.data.user!.roles.push("admin");
    first.data.user!.name = "mallory";
    // Not committed (the handler failed): the next request sees the record as stored.
    const second = await sessions.load({ cookie });
    expect(second.data.user).toEqual({ name: "ann", roles: ["buyer"] });
  });

  it("detects a nested change made on a cached copy and writes it", async () => {
    const { store, texts } = textStore();
    const { sessions, cookie } = await seeded(store);
    await sessions.load({ cookie });
    await sessions.load({ cookie });
    const s = await sessions.load({ cookie });
    s.data.user!.roles.push("admin");
    await sessions.commit(s);
    expect(JSON.parse([...texts.values()][0]!).user.roles).toEqual(["buyer", "admin"]);
    const next = await sessions.load({ cookie });
    expect(next.data.user!.roles).toEqual(["buyer", "admin"]);
  });

  it("follows the store: a record changed behind the cache's back (another process) is read as it is now", async () => {
    const { store, texts } = textStore();
    const { sessions, cookie } = await seeded(store);
    await sessions.load({ cookie });
    await sessions.load({ cookie });
    const [key, text] = [...texts.entries()][0]!;
    texts.set(key, text.replace('"views":1', '"views":7'));
    expect((await sessions.load({ cookie })).data.views).toBe(7);
    texts.delete(key);
    const gone = await sessions.load({ cookie });
    expect(gone.isNew).toBe(true);
    expect(gone.data).toEqual({});
  });

  it("starts an expired session empty and writes nothing for it, also when its record came from the cache", async () => {
    vi.useFakeTimers({ now: Date.now(), toFake: ["Date"] });
    try {
      const store = memoryStore();
      const { sessions, cookie } = await seeded(store, { idleTimeout: 60 });
      await sessions.load({ cookie });
      await sessions.load({ cookie });
      vi.setSystemTime(Date.now() + 61_000);
      const set = vi.spyOn(store, "set");
      const s = await sessions.load({ cookie });
      expect(s.isNew).toBe(true);
      expect(s.data).toEqual({});
      expect(await sessions.commit(s)).toBeNull();
      expect(set).not.toHaveBeenCalled();
    } finally {
      vi.useRealTimers();
    }
  });

  it("keeps nothing of a destroyed session: a record written again under that ID is read from its own text", async () => {
    const { store, texts } = textStore();
    const { sessions, cookie } = await seeded(store);
    const s: Session<Data> = await sessions.load({ cookie });
    const [key, text] = [...texts.entries()][0]!;
    await s.destroy();
    await sessions.commit(s);
    expect(texts.has(key)).toBe(false);
    // A fresh manager (another process) has no tombstone: the same text again loads, parsed anew.
    texts.set(key, text);
    const other = createSessions<Data>({ secret: SECRET, store });
    expect((await other.load({ cookie })).data.views).toBe(1);
  });

  it("gives data that JSON changes (a Date, undefined, NaN) back as JSON made it, not as the handler left it", async () => {
    const { store } = textStore();
    const { sessions, cookie } = await seeded(store);
    const s = await sessions.load({ cookie });
    Object.assign(s.data as Record<string, unknown>, { when: new Date(0), gone: undefined, nan: Number.NaN, list: [undefined] });
    await sessions.commit(s);
    const next = (await sessions.load({ cookie })).data as Record<string, unknown>;
    expect(next.when).toBe("1970-01-01T00:00:00.000Z");
    expect("gone" in next).toBe(false);
    expect(next.nan).toBeNull();
    expect(next.list).toEqual([null]);
  });
});

describe("unchanged data known without serialising it (sameJson)", () => {
  const record = (data: Record<string, unknown>) => dataOf(JSON.parse(JSON.stringify({ cookie: { path: "/" }, ...data, __unsession: { c: 1, i: 2 } })));
  const base = { views: 3, user: { name: "ann", roles: ["buyer", { tier: 1 }] }, none: null, flag: false };

  it("answers true only for the same JSON values, keys in any order", () => {
    expect(sameJson(structuredClone(base), record(base))).toBe(true);
    expect(sameJson({ flag: false, none: null, user: { roles: ["buyer", { tier: 1 }], name: "ann" }, views: 3 }, record(base))).toBe(true);
    expect(sameJson({}, record({}))).toBe(true);
    expect(sameJson({ n: -0 }, record({ n: 0 }))).toBe(true);
  });

  it("answers false for any change, and for anything JSON would write differently (the caller then serialises)", () => {
    const changed: Record<string, unknown>[] = [
      { ...base, views: 4 },
      { ...base, extra: 1 },
      { views: 3, user: base.user, none: null },
      { ...base, user: { name: "ann", roles: ["buyer", { tier: 2 }] } },
      { ...base, user: { name: "ann", roles: ["buyer"] } },
      { ...base, user: { name: "ann", roles: { 0: "buyer", 1: { tier: 1 } } } },
      { ...base, none: undefined },
      { ...base, views: Number.NaN },
      { ...base, when: new Date(0) },
      { ...base, map: new Map() },
      { ...base, user: Object.assign(Object.create(null), base.user) },
      { ...base, cookie: { path: "/" } },
    ];
    for (const data of changed) expect(sameJson(data, record(base))).toBe(false);
    expect(sameJson(Object.assign(Object.create({}), base), record(base))).toBe(false);
    // A hole (an element deleted) is not the value the parse holds.
    const holed = [1, 5, 3];
    delete holed[1];
    expect(sameJson(holed, [1, 5, 3])).toBe(false);
  });

  it("writes nothing for a cached session whose data is read and left as it was, and writes every real change", async () => {
    const { store, texts } = textStore();
    const set = vi.spyOn(store, "set");
    const { sessions, cookie } = await seeded(store);
    await sessions.load({ cookie });
    await sessions.load({ cookie }); // kept from here on
    set.mockClear();
    const stringify = vi.spyOn(JSON, "stringify");
    for (let i = 0; i < 3; i++) {
      const s = await sessions.load({ cookie });
      void s.data.user!.roles[0];
      expect(await sessions.commit(s)).toBeNull();
    }
    expect(stringify).not.toHaveBeenCalled();
    stringify.mockRestore();
    expect(set).not.toHaveBeenCalled();
    const s = await sessions.load({ cookie });
    s.data.user!.roles[0] = "admin";
    await sessions.commit(s);
    expect(set).toHaveBeenCalledTimes(1);
    expect(JSON.parse([...texts.values()][0]!).user.roles).toEqual(["admin"]);
  });
});
