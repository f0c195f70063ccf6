/**
 * Issue 13: errors are never silent (`onError`, the default console line, `store_error` with its error),
 * wrong `store`/`storage` objects fail at construction, and a core `cookie.maxAge` in milliseconds is warned about.
 */
import { createStorage } from "unstorage";
import memoryDriver from "unstorage/drivers/memory";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createSessions, isUnsessionError, memoryStore, type SessionEvent, type SessionStore } from "../../src/index.ts";
import { SECRET, idOf, request, spyStorage } from "../helpers/spy-storage.ts";

afterEach(() => vi.restoreAllMocks());

const settle = () => new Promise((resolve) => setTimeout(resolve, 10));
const failing = (): SessionStore => ({
  get: () => Promise.reject(new Error("connect ECONNREFUSED 10.0.0.9:6379 for key sess:storeKeyThatNamesAnId0123456789")),
  set: () => Promise.reject(new Error("READONLY")),
  delete: () => Promise.resolve(),
});

describe("issue 13: every 5xx is reported once, with its cause", () => {
  it("prints one line by default: code and message, never the ID, the key, the record or a stack", async () => {
    const lines: unknown[][] = [];
    vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => void lines.push(args));
    const sessions = createSessions({ secret: SECRET, store: failing() });
    const id = "storeKeyThatNamesAnId0123456789";
    const res = await sessions.wrap(() => new Response("never"))(request(`sid=s%3A${id}.x`));
    // An unsigned cookie costs no read: nothing failed, nothing reported.
    expect(res.status).toBe(200);
    expect(lines).toHaveLength(0);
    const session = await sessions.load(request());
    session.data.user = "ada";
    const write = await sessions.wrap((_r, s) => {
      s.data.user = "ada";
      return new Response("ok");
    })(request());
    expect(write.status).toBe(503);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toHaveLength(1);
    const line = String(lines[0]![0]);
    expect(line).toMatch(/^\[unsession] ERR_STORE_WRITE: the session store failed to write \(cause: Error: READONLY\)$/);
  });

  it("cuts ID-like tokens out of a driver's message", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "error").mockImplementation((line: unknown) => void lines.push(String(line)));
    const store = failing();
    const sessions = createSessions({ secret: SECRET, store });
    const live = createSessions({ secret: SECRET });
    const s = await live.load(request());
    s.data.x = 1;
    const cookie = (await live.commit(s))!.split(";")[0]!;
    const res = await sessions.wrap(() => new Response("never"))(request(cookie));
    expect(res.status).toBe(503);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("ERR_STORE_READ");
    expect(lines[0]).toContain("ECONNREFUSED");
    expect(lines[0]).not.toContain("storeKeyThatNamesAnId0123456789");
    expect(lines[0]).not.toContain(idOf(cookie)!);
    expect(lines[0]).not.toMatch(/\n|\s+at /);
  });

  for (const [what, value] of [
    ["a Map", () => new Map([["a", 1]])],
    ["a BigInt", () => 10n],
    ["a cycle", () => {
      const a: Record<string, unknown> = {};
      a.self = a;
      return a;
    }],
  ] as const) {
    it(`reports ERR_SERIALIZE for ${what} in data once (source commit), and wrap answers 500`, async () => {
      const reported: [string, string][] = [];
      const sessions = createSessions({ secret: SECRET, onError: (e, c) => reported.push([e.code, c.source]) });
      const res = await sessions.wrap((_r, s) => {
        s.data.bad = value();
        return new Response("ok");
      })(request());
      expect(res.status).toBe(500);
      expect(reported).toEqual([["ERR_SERIALIZE", "commit"]]);
    });
  }

  it("reports a store read failure once (source store), and store_error carries the error", async () => {
    const reported: [unknown, string][] = [];
    const events: SessionEvent[] = [];
    const spy = spyStorage();
    const sessions = createSessions({ secret: SECRET, storage: spy.storage, onEvent: (e) => events.push(e), onError: (e, c) => reported.push([e, c.source]) });
    const s = await sessions.load(request());
    s.data.x = 1;
    const cookie = (await sessions.commit(s))!.split(";")[0]!;
    spy.failOn("read", new Error("boom"));
    const res = await sessions.wrap(() => new Response("never"))(request(cookie));
    expect(res.status).toBe(503);
    expect(reported).toHaveLength(1);
    expect(reported[0]![1]).toBe("store");
    const error = reported[0]![0];
    expect(isUnsessionError(error) && error.code).toBe("ERR_STORE_READ");
    expect((error as Error).cause).toMatchObject({ message: "boom" });
    await settle();
    const storeError = events.find((e) => e.type === "store_error");
    expect(storeError?.error).toBe(error);
  });

  it("sessions.report reports an error once, however often an adapter passes it on", () => {
    const reported: string[] = [];
    const sessions = createSessions({ secret: SECRET, onError: (e, c) => reported.push(`${e.code}:${c.source}`) });
    const error = new Error("not ours");
    sessions.report(error);
    sessions.report(error);
    expect(reported).toEqual(["ERR_STATE:adapter"]);
  });

  it("a throwing onError does not fail the request", async () => {
    const sessions = createSessions({ secret: SECRET, onError: () => {
      throw new Error("hook");
    } });
    const res = await sessions.wrap((_r, s) => {
      s.data.bad = 1n;
      return new Response("ok");
    })(request());
    expect(res.status).toBe(500);
  });
});

describe("issue 13: store and storage are checked at construction", () => {
  const refused: [string, unknown, RegExp][] = [
    ["an empty object", {}, /store has no get, set, delete methods: pass a SessionStore/],
    ["a string", "redis://127.0.0.1", /store must be an object \(got string\)/],
    ["null", null, /store must be an object \(got null\)/],
    ["an ioredis-like client", { get: (..._a: unknown[]) => 0, set: () => 0, del: () => 0, hget: () => 0 }, /looks like a Redis client.*storage/],
  ];
  for (const [what, store, message] of refused) {
    it(`refuses ${what} as store with ERR_OPTIONS saying what to pass`, () => {
      let error: unknown;
      try {
        createSessions({ secret: SECRET, store: store as SessionStore });
      } catch (e) {
        error = e;
      }
      expect(error).toMatchObject({ code: "ERR_OPTIONS" });
      expect((error as Error).message).toMatch(message);
    });
  }

  it("refuses store and storage together", () => {
    expect(() => createSessions({ secret: SECRET, store: memoryStore(), storage: createStorage() })).toThrow(/either `store` or `storage`, not both/);
  });

  it("takes an unstorage Storage given as store: writes, reads, and logout removes the record", async () => {
    const storage = createStorage({ driver: memoryDriver() });
    const sessions = createSessions({ secret: SECRET, store: storage as unknown as SessionStore });
    const s = await sessions.load(request());
    s.data.user = "ada";
    const cookie = (await sessions.commit(s))!.split(";")[0]!;
    const id = idOf(cookie)!;
    expect(await storage.getItemRaw(`sess:${id}`)).toContain("ada");
    const again = await sessions.load(request(cookie));
    expect(again.data.user).toBe("ada");
    await again.destroy();
    expect(await sessions.commit(again)).toContain("sid=;");
    expect(await storage.getItemRaw(`sess:${id}`)).toBeNull();
  });
});

describe("issue 13: a core cookie.maxAge in milliseconds", () => {
  it("warns once when maxAge is past what browsers keep (seconds are meant), and takes it as given", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    createSessions({ secret: SECRET, cookie: { maxAge: 86_400 } });
    createSessions({ secret: SECRET, cookie: { maxAge: 400 * 86_400 } });
    expect(warn).not.toHaveBeenCalled();
    const sessions = createSessions({ secret: SECRET, cookie: { maxAge: 86_400_000 } });
    createSessions({ secret: SECRET, cookie: { maxAge: 86_400_000 } });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toMatch(/cookie\.maxAge is in seconds.*1000 days.*86400/);
    expect(sessions.options.cookie.maxAge).toBe(86_400_000);
  });
});
