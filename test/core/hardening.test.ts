/**
 * Issue 13, core items: each test fails on the main before the issue and passes after.
 * (Hostile cases over real HTTP live in test/security/hardening-http.test.ts.)
 */
import { sign as csSign } from "cookie-signature";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createSessions, type ErrorContext, type SessionEvent, type SessionOptions, type SessionStore, type UnsessionError } from "../../src/index.ts";
import { attribute, SECRET, idOf, request, spyStorage } from "../helpers/spy-storage.ts";

type Data = Record<string, unknown>;

function setup(options: Partial<SessionOptions> = {}) {
  const spy = spyStorage();
  const events: SessionEvent[] = [];
  const errors: [UnsessionError, ErrorContext][] = [];
  const sessions = createSessions<Data>({ secret: SECRET, storage: spy.storage, onEvent: (e) => events.push(e), onError: (e, c) => errors.push([e, c]), ...options });
  return { spy, sessions, events, errors };
}

const signed = (id: string) => `sid=${encodeURIComponent(`s:${csSign(id, SECRET)}`)}`;
const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

afterEach(() => vi.restoreAllMocks());

describe("issue 13: session.id from the start", () => {
  it("gives a new session a stable ID on first read, stores nothing and sends no cookie for a read alone", async () => {
    const { sessions, spy } = setup();
    const seen: string[] = [];
    const res = await sessions.wrap((_req, session) => {
      seen.push(session.id, session.id);
      return new Response("ok");
    })(request());
    expect(seen[0]).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(seen[1]).toBe(seen[0]);
    expect(res.headers.get("set-cookie")).toBeNull();
    expect(spy.counts().total).toBe(0);
  });

  it("keeps the ID read in the handler as the one written and sent when data is set", async () => {
    const { sessions, spy } = setup();
    let early = "";
    const res = await sessions.wrap((_req, session) => {
      early = session.id;
      session.data.user = "ada";
      return new Response("ok");
    })(request());
    expect(idOf(res.headers.get("set-cookie"))).toBe(early);
    expect(await spy.raw(`sess:${early}`)).toContain('"user":"ada"');
  });

  it("with saveUninitialized, the ID read is the one saved", async () => {
    const { sessions, spy } = setup({ saveUninitialized: true });
    const session = await sessions.load(request());
    const id = session.id;
    const setCookie = await sessions.commit(session);
    expect(idOf(setCookie)).toBe(id);
    expect(await spy.raw(`sess:${id}`)).toBeTruthy();
  });
});

describe("issue 13: regenerate() starts the new ID with the configured lifetime", () => {
  it("drops a per-session 30-day 'remember me' on logout-regenerate: back to cookie.maxAge", async () => {
    const { sessions, spy } = setup({ cookie: { maxAge: 3600 } });
    const login = await sessions.load(request());
    login.data.user = "ada";
    login.cookie.maxAge = 30 * 86_400;
    const first = await sessions.commit(login);
    expect(attribute(first!, "Max-Age")).toBe(String(30 * 86_400));
    const logout = await sessions.load(request(signed(idOf(first)!)));
    expect(logout.cookie.maxAge).toBe(30 * 86_400);
    await logout.regenerate();
    expect(logout.cookie.maxAge).toBe(3600);
    logout.data.flash = "bye";
    const second = await sessions.commit(logout);
    expect(attribute(second!, "Max-Age")).toBe("3600");
    const record = JSON.parse((await spy.raw(`sess:${idOf(second)}`)) as string);
    expect(record.cookie.originalMaxAge).toBe(3_600_000);
  });

  it("keeps a browser-session cookie when none is configured", async () => {
    const { sessions } = setup();
    const session = await sessions.load(request());
    session.cookie.maxAge = 86_400;
    session.data.user = "ada";
    await session.regenerate({ keepData: true });
    const setCookie = await sessions.commit(session);
    expect(attribute(setCookie!, "Max-Age")).toBeUndefined();
  });
});

describe("issue 13: exact Max-Age", () => {
  it("sends maxAge 600 as Max-Age=600, on the first write and on a later change", async () => {
    const { sessions } = setup({ cookie: { maxAge: 600 } });
    const session = await sessions.load(request());
    session.data.n = 1;
    const first = await sessions.commit(session);
    expect(attribute(first!, "Max-Age")).toBe("600");
    const again = await sessions.load(request(signed(idOf(first)!)));
    again.data.n = 2;
    expect(attribute((await sessions.commit(again))!, "Max-Age")).toBe("600");
  });
});

describe("issue 13: at most one store read per request", () => {
  it("150 copies of a validly signed cookie whose record is gone cost 1 read", async () => {
    const { sessions, spy } = setup();
    const dead = signed("deadSessionId_0123456789abcdefghijkl");
    const session = await sessions.load(request(Array(150).fill(dead).join("; ")));
    expect(session.isNew).toBe(true);
    expect(spy.counts().reads).toBe(1);
  });

  it("655 forged values: 4 verified, none read; a valid one past the first 4 values is ignored", async () => {
    const { sessions, spy, events } = setup();
    const live = await sessions.load(request());
    live.data.user = "ada";
    const cookie = (await sessions.commit(live))!.split(";")[0]!;
    spy.reset();
    const forged = Array.from({ length: 655 }, (_, i) => `sid=${encodeURIComponent(`s:forgedForgedForged${String(i).padStart(4, "0")}.${"A".repeat(43)}`)}`);
    const session = await sessions.load(request([...forged, cookie].join("; ")));
    expect(session.isNew).toBe(true);
    expect(spy.counts().total).toBe(0);
    await settle();
    expect(events.filter((e) => e.type === "invalid_signature")).toHaveLength(4);
    // Within the first four values, the valid one is found (an old Path or Domain variant beside it).
    const near = await sessions.load(request([...forged.slice(0, 3), cookie].join("; ")));
    expect(near.data.user).toBe("ada");
    expect(spy.counts().reads).toBe(1);
  });

  it("a dead first cookie is the session's: anonymous, not the next one, after one read", async () => {
    const { sessions, spy } = setup();
    const live = await sessions.load(request());
    live.data.user = "ada";
    const cookie = (await sessions.commit(live))!.split(";")[0]!;
    spy.reset();
    const session = await sessions.load(request(`${signed("deadSessionId_0123456789abcdefghijkl")}; ${cookie}`));
    expect(session.data.user).toBeUndefined();
    expect(spy.counts().reads).toBe(1);
  });
});

describe("issue 13: deep nesting never blows the stack", () => {
  const deep = (levels: number) => `{"cookie":{"originalMaxAge":null,"expires":null},"a":${'{"a":'.repeat(levels)}1${"}".repeat(levels)}}`;
  for (const levels of [2_300, 5_000]) {
    it(`a record nesting ${levels} levels is a clean miss, reported and removed`, async () => {
      const { sessions, spy, errors, events } = setup();
      const id = "deepRecordId_0123456789abcdefghijklm";
      await spy.put(`sess:${id}`, deep(levels));
      const session = await sessions.load(request(signed(id)));
      expect(session.isNew).toBe(true);
      session.data.user = "ada"; // log-in in the same request works
      await session.regenerate({ keepData: true });
      const setCookie = await sessions.commit(session);
      expect(idOf(setCookie)).not.toBe(id);
      await settle();
      expect(await spy.raw(`sess:${id}`)).toBeNull();
      expect(errors.map(([e, c]) => [e.code, c.source])).toEqual([["ERR_STORE_DATA", "record"]]);
      expect(events.some((e) => e.type === "corrupt_record")).toBe(true);
    });
  }

  it("an object-returning store handing a 5,000-level object: a clean miss", async () => {
    let nested: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 5_000; i++) nested = { a: nested };
    const removed: string[] = [];
    const store: SessionStore = { get: () => ({ cookie: { originalMaxAge: null, expires: null }, nested }), set: () => {}, delete: (key) => void removed.push(key) };
    const errors: string[] = [];
    const sessions = createSessions({ secret: SECRET, store, onError: (e) => errors.push(e.code) });
    const session = await sessions.load(request(signed("objectRecordId_0123456789abcdefghijk")));
    expect(session.isNew).toBe(true);
    expect(errors).toEqual(["ERR_STORE_DATA"]);
    expect(removed).toEqual(["sess:objectRecordId_0123456789abcdefghijk"]);
  });

  it("data nested 5,000 levels or in a cycle fails the commit with ERR_SERIALIZE, reported once", async () => {
    for (const make of [
      () => {
        let v: Record<string, unknown> = {};
        for (let i = 0; i < 5_000; i++) v = { a: v };
        return v;
      },
      () => {
        const a: Record<string, unknown> = { b: { c: [1, 2] } };
        (a.b as Record<string, unknown>).back = a;
        return a;
      },
    ]) {
      const { sessions, errors } = setup();
      const session = await sessions.load(request());
      session.data.deep = make();
      await expect(sessions.commit(session)).rejects.toMatchObject({ code: "ERR_SERIALIZE" });
      expect(errors.map(([e, c]) => [e.code, c.source])).toEqual([["ERR_SERIALIZE", "commit"]]);
    }
  });
});

describe("issue 13: a record corrupted between load and commit", () => {
  const stored = async (options: Partial<SessionOptions> = {}) => {
    const ctx = setup(options);
    const first = await ctx.sessions.load(request());
    first.data.user = "ada";
    const cookie = (await ctx.sessions.commit(first))!.split(";")[0]!;
    const session = await ctx.sessions.load(request(cookie));
    await ctx.spy.put(`sess:${session.id}`, "[]");
    return { ...ctx, session };
  };

  it("a forced touch skips it and reports it, the request does not fail", async () => {
    const { sessions, session, errors } = await stored();
    session.touch();
    await expect(sessions.commit(session)).resolves.toBeDefined();
    expect(errors.map(([e, c]) => [e.code, c.source])).toEqual([["ERR_STORE_DATA", "record"]]);
  });

  it('commitMode "merge" writes this request\'s whole data over it', async () => {
    const { sessions, session, spy, errors } = await stored({ commitMode: "merge" });
    session.data.note = "kept";
    await sessions.commit(session);
    expect(JSON.parse((await spy.raw(`sess:${session.id}`)) as string)).toMatchObject({ user: "ada", note: "kept" });
    expect(errors).toHaveLength(1);
  });

  it("reload() counts it as gone (ERR_STATE), reported once", async () => {
    const { session, errors } = await stored();
    await expect(session.reload()).rejects.toMatchObject({ code: "ERR_STATE" });
    expect(errors.map(([e]) => e.code)).toEqual(["ERR_STORE_DATA"]);
  });
});
