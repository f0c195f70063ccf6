import { sign as csSign } from "cookie-signature";
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createSessions, isStoreUnavailable, isUnsessionError, type ErrorContext, type SessionEvent, type SessionOptions, type UnsessionError } from "../../src/index.ts";
import { client } from "../helpers/client.ts";
import { SECRET, cookiePair, idOf, request, spyStorage } from "../helpers/spy-storage.ts";

type Data = Record<string, unknown>;

function setup(options: Partial<SessionOptions> = {}) {
  const spy = spyStorage();
  const sessions = createSessions<Data>({ secret: SECRET, storage: spy.storage, ...options });
  return { spy, sessions, browser: client(sessions) };
}

/** A stored session with `{ user: "ada" }`; returns its cookie and ID, spy reset. */
async function withSession(options: Partial<SessionOptions> = {}) {
  const ctx = setup(options);
  await ctx.browser.run((s) => void (s.data.user = "ada"));
  const cookie = ctx.browser.cookie!;
  ctx.spy.reset();
  return { ...ctx, cookie, id: idOf(cookie)! };
}

/** Lets background work (a corrupt record's removal, event delivery) finish. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

const signedCookie = (id: string) => `sid=${encodeURIComponent(`s:${csSign(id, SECRET)}`)}`;

describe("bad input: Cookie headers", () => {
  const headers: Record<string, string> = {
    "only separators": ";;; ;",
    "a name without value": "sid",
    "an empty value": "sid=",
    "an empty name": "=s%3Aabc.def",
    "a lone percent": "sid=%",
    "a truncated escape": "sid=s%3Aabc.d%E",
    "an invalid escape": "sid=%ZZ%GG",
    "an escape of invalid UTF-8": "sid=%C0%AF%FF%FE",
    "a quoted value": 'sid="s%3Aabc.def"',
    "control characters": "sid=s:\u0001\u0002.\u007f",
    "latin-1 garbage": "sid=\u00ff\u00fe\u00e9; \u00e0=\u00e7",
    "an 8 KB value": `sid=${"a".repeat(8192)}`,
    "8 KB of cookies": Array.from({ length: 400 }, (_, i) => `c${i}=${"v".repeat(16)}`).join("; "),
    "a signed value with a huge ID": `sid=${encodeURIComponent(`s:${csSign("x".repeat(8000), SECRET)}`)}`,
    "many sid cookies": Array.from({ length: 200 }, () => "sid=s%3Aabc.def").join("; "),
  };

  for (const [what, header] of Object.entries(headers)) {
    it(`treats a Cookie header with ${what} as anonymous, with 0 store operations`, async () => {
      const { sessions, spy } = setup();
      const session = await sessions.load({ cookie: header });
      expect(session.isNew).toBe(true);
      expect(session.data).toEqual({});
      expect(await sessions.commit(session)).toBeNull();
      expect(spy.counts().total).toBe(0);
      // The same through wrap with a real Request, when the header is a valid ByteString.
      if (!/[^\u0000-\u00ff]/.test(header)) {
        const res = await sessions.wrap((_req, s) => new Response(String(s.isNew)))(request(header));
        expect(res.status).toBe(200);
        expect(await res.text()).toBe("true");
      }
    });
  }

  it("still finds a valid session cookie among junk and other cookies", async () => {
    const { sessions, cookie, spy } = await withSession();
    const header = `a=%; sid=%ZZ; ${"x=".padEnd(4000, "y")}; ${cookie}; sid=; tail=%E0%A4%A`;
    const session = await sessions.load({ cookie: header });
    expect(session.data.user).toBe("ada");
    expect(spy.counts().reads).toBe(1);
  });
});

describe("bad input: random Cookie headers (property)", () => {
  it("never throws and never touches the store for arbitrary headers", async () => {
    const { sessions, spy } = setup();
    const header = fc.oneof(
      fc.string({ unit: "grapheme-ascii", maxLength: 200 }),
      // Any UTF-16 code unit, lone surrogates and controls included (cheaper to build than unit: "binary").
      fc.string({ unit: fc.nat(0xffff).map((n) => String.fromCharCode(n)), maxLength: 200 }),
      fc.array(fc.tuple(fc.constantFrom("sid", "SID", "sid ", " sid", "x"), fc.string({ maxLength: 80 })), { maxLength: 8 }).map((pairs) =>
        pairs.map(([k, v]) => `${k}=${v}`).join("; "),
      ),
      fc.string({ maxLength: 60 }).map((v) => `sid=s%3A${v}`),
    );
    await fc.assert(
      fc.asyncProperty(header, async (h) => {
        const session = await sessions.load({ cookie: h });
        expect(session.isNew).toBe(true);
        expect(await sessions.commit(session)).toBeNull();
      }),
      { numRuns: 300 },
    );
    expect(spy.counts().total).toBe(0);
  });
});

describe("bad input: stored records", () => {
  const broken: Record<string, unknown> = {
    "broken JSON": '{"cookie":{',
    "a bare word": "garbage",
    "a number": "42",
    "a JSON array": "[]",
    "JSON null as text": "null",
    "a JSON string": '"text"',
    "a record without cookie": '{"user":"ada"}',
    "a record whose cookie is null": '{"cookie":null,"user":"ada"}',
    "a record whose cookie is an array": '{"cookie":[],"user":"ada"}',
    "malformed unsession metadata": '{"cookie":{"originalMaxAge":null,"expires":null},"__unsession":"x"}',
  };

  // Issue 13: a corrupt record is a clean miss (it used to fail every load with ERR_STORE_DATA: a lock-out).
  for (const [what, raw] of Object.entries(broken)) {
    it(`treats ${what} as a clean miss: a fresh session, the record removed, corrupt_record and onError once`, async () => {
      const events: SessionEvent[] = [];
      const errors: [UnsessionError, ErrorContext][] = [];
      const { sessions, spy } = setup({ onEvent: (e) => events.push(e), onError: (e, c) => errors.push([e, c]) });
      const id = "storedRecordId_0123456789abcdefghijk";
      await spy.put(`sess:${id}`, raw);
      const session = await sessions.load({ cookie: signedCookie(id) });
      expect(session.isNew).toBe(true);
      expect(session.data).toEqual({});
      expect(session.id).not.toBe(id);
      expect(spy.counts().reads).toBe(1);
      await settle();
      expect(await spy.raw(`sess:${id}`)).toBeNull();
      expect(errors).toHaveLength(1);
      expect(errors[0]![0]).toMatchObject({ code: "ERR_STORE_DATA" });
      expect(errors[0]![1]).toEqual({ source: "record" });
      // Events arrive after their ID is hashed (WebCrypto, off the main thread): wait for it, however busy the machine.
      await vi.waitFor(() => expect(events.filter((e) => e.type === "corrupt_record")).toHaveLength(1));
      const corrupt = events.filter((e) => e.type === "corrupt_record");
      expect(corrupt[0]!.error).toBe(errors[0]![0]);
      expect(corrupt[0]!.sid).toMatch(/^[0-9a-f]{16}$/);
    });
  }

  it("wrap answers a broken record with the handler's response on a fresh session; log-in in the same request writes a new ID", async () => {
    const { sessions, spy } = setup({ onError: () => {} });
    const id = "storedRecordId_0123456789abcdefghijk";
    await spy.put(`sess:${id}`, "garbage-secret-content");
    const handler = sessions.wrap(async (_request, session) => {
      const anonymous = session.isNew && session.data.user === undefined;
      await session.regenerate();
      session.data.user = "ada";
      return new Response(String(anonymous));
    });
    const res = await handler(request(signedCookie(id)));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("true");
    const newId = idOf(res.headers.get("set-cookie"))!;
    expect(newId).toBeTruthy();
    expect(newId).not.toBe(id);
    expect(await spy.raw(`sess:${newId}`)).toContain('"user":"ada"');
    await settle();
    expect(await spy.raw(`sess:${id}`)).toBeNull();
    // The next request with the old cookie is a plain miss, the new cookie is logged in.
    const again = await sessions.load({ cookie: `sid=${encodeURIComponent(`s:${csSign(newId, SECRET)}`)}` });
    expect(again.data.user).toBe("ada");
  });

  it("loads __proto__ and constructor keys without polluting any prototype", async () => {
    const { sessions, spy } = setup();
    const id = "pollutingRecordId_0123456789abcdefgh";
    await spy.put(
      `sess:${id}`,
      '{"cookie":{"originalMaxAge":null,"expires":null},"user":"mallory","__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}},"nested":{"__proto__":{"polluted":1}}}',
    );
    const session = await sessions.load({ cookie: signedCookie(id) });
    expect(session.data.user).toBe("mallory");
    const probe: Record<string, unknown> = {};
    expect(probe.polluted).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
    expect((session.data as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(session.data)).toBe(Object.prototype);
    expect((session.data.nested as Record<string, unknown>).polluted).toBeUndefined();
    // Copying the data around pollutes nothing either.
    const copy = Object.assign({}, session.data, JSON.parse(JSON.stringify(session.data)));
    expect(copy.polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // And a commit does not write the dangerous keys back.
    session.data.user = "x";
    await sessions.commit(session);
    const written = (await spy.raw(`sess:${id}`)) as string;
    expect(written).not.toContain("__proto__");
    expect(written).not.toContain("polluted");
  });

  it("reads an object-returning store the same way (copied, no pollution)", async () => {
    const records = new Map<string, unknown>();
    const sessions = createSessions<Data>({
      secret: SECRET,
      store: { get: (k) => records.get(k) as never, set: (k, v) => void records.set(k, v), delete: (k) => void records.delete(k) },
    });
    const id = "objectStoreRecordId_0123456789abcdef";
    const record = JSON.parse('{"cookie":{"originalMaxAge":null,"expires":null},"user":"ada","__proto__":{"polluted":1}}');
    records.set(`sess:${id}`, record);
    const session = await sessions.load({ cookie: signedCookie(id) });
    expect(session.data.user).toBe("ada");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    session.data.user = "changed";
    expect(record.user).toBe("ada");
  });
});

describe("bad input: data that cannot be serialised", () => {
  class Point {
    constructor(
      public x: number,
      public y: number,
    ) {}
  }
  const cyclic = (): unknown => {
    const a: Record<string, unknown> = { name: "a" };
    a.self = a;
    return a;
  };
  const values: Record<string, () => unknown> = {
    "a BigInt": () => 10n,
    "a cycle": cyclic,
    "a Map": () => new Map([["a", 1]]),
    "a Set": () => new Set([1]),
    "a class instance": () => new Point(1, 2),
    "a nested Map": () => ({ inner: [{ m: new Map() }] }),
  };

  for (const [what, make] of Object.entries(values)) {
    it(`fails commit with ERR_SERIALIZE for ${what}, and writes nothing`, async () => {
      const { sessions, spy, cookie } = await withSession();
      const session = await sessions.load({ cookie });
      session.data.bad = make();
      const error = await sessions.commit(session).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ name: "UnsessionError", code: "ERR_SERIALIZE", status: 500 });
      expect((error as Error).message).toMatch(/^\[unsession\] /);
      expect(spy.counts().writes).toBe(0);
      // The stored session is intact.
      expect((await sessions.load({ cookie })).data).toEqual({ user: "ada" });
    });
  }

  it("rejects the reserved keys cookie and __unsession in data", async () => {
    const { sessions } = setup();
    for (const key of ["cookie", "__unsession"]) {
      const session = await sessions.load({ cookie: null });
      session.data[key] = 1;
      await expect(sessions.commit(session)).rejects.toMatchObject({ code: "ERR_SERIALIZE" });
    }
  });

  it("answers 500 through wrap and sends no cookie", async () => {
    const { sessions } = setup();
    const res = await sessions.wrap((_req, s) => {
      s.data.n = 1n;
      return new Response("ok");
    })(request());
    expect(res.status).toBe(500);
    expect(res.headers.get("set-cookie")).toBeNull();
  });

  it("accepts a Date (JSON turns it into an ISO string)", async () => {
    const { sessions } = setup();
    const session = await sessions.load({ cookie: null });
    session.data.at = new Date(0);
    const cookie = cookiePair(await sessions.commit(session));
    expect((await sessions.load({ cookie })).data.at).toBe("1970-01-01T00:00:00.000Z");
  });
});

describe("faults: a storage that fails", () => {
  it("read failure: load rejects with ERR_STORE_READ (503), the cause kept", async () => {
    const { sessions, spy, cookie } = await withSession();
    const cause = new Error("ECONNREFUSED 10.0.0.1:6379 password=hunter2");
    spy.failOn("read", cause);
    const error = await sessions.load({ cookie }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: "ERR_STORE_READ", status: 503 });
    expect(isStoreUnavailable(error)).toBe(true);
    expect((error as Error).cause).toBe(cause);
    expect((error as Error).message).not.toContain("hunter2");
  });

  it("read failure: wrap answers a bare 503, never runs the handler, never writes over the real session", async () => {
    const { sessions, spy, cookie, id } = await withSession();
    spy.failOn("read", new Error("ECONNRESET secret-driver-detail"));
    let ran = false;
    const handler = sessions.wrap((_req, s) => {
      ran = true;
      s.data.user = "intruder";
      return new Response("ok");
    });
    const res = await handler(request(cookie));
    expect(ran).toBe(false);
    expect(res.status).toBe(503);
    const body = await res.text();
    expect(body).toBe("Service Unavailable");
    expect(body).not.toContain("secret-driver-detail");
    expect(res.headers.get("set-cookie")).toBeNull();
    expect(spy.counts().writes).toBe(0);
    spy.failOn("read", undefined);
    const back = await sessions.load({ cookie });
    expect(back.data).toEqual({ user: "ada" });
    expect(await spy.keys()).toEqual([`sess:${id}`]);
  });

  it("write failure: commit rejects with ERR_STORE_WRITE (503)", async () => {
    const { sessions, spy, cookie } = await withSession();
    spy.failOn("write", new Error("READONLY"));
    const session = await sessions.load({ cookie });
    session.data.user = "grace";
    await expect(sessions.commit(session)).rejects.toMatchObject({ code: "ERR_STORE_WRITE", status: 503 });
  });

  it("write failure on login: wrap answers 503 and sends no cookie for the unsaved ID", async () => {
    const { sessions, spy } = setup();
    spy.failOn("write", new Error("disk full"));
    const res = await sessions.wrap((_req, s) => {
      s.data.user = "ada";
      return new Response("welcome");
    })(request());
    expect(res.status).toBe(503);
    expect(res.headers.get("set-cookie")).toBeNull();
  });

  it("remove failure on logout: the cookie is still cleared and the error still reported", async () => {
    const { sessions, spy, cookie } = await withSession();
    spy.failOn("write", new Error("cannot delete"));
    const res = await sessions.wrap(async (_req, s) => {
      await s.destroy();
      return new Response("bye");
    })(request(cookie));
    expect(res.status).toBe(503);
    const setCookie = res.headers.get("set-cookie");
    expect(setCookie).toMatch(/^sid=;/);
    expect(setCookie).toMatch(/Max-Age=0/);
  });

  it("a store that throws synchronously is reported the same way", async () => {
    const sessions = createSessions<Data>({
      secret: SECRET,
      store: {
        get: () => {
          throw new Error("sync boom");
        },
        set: () => {
          throw new Error("sync boom");
        },
        delete: () => {},
      },
    });
    await expect(sessions.load({ cookie: signedCookie("someIdThatIsLongEnough_0123456789") })).rejects.toMatchObject({ code: "ERR_STORE_READ" });
    const s = await sessions.load({ cookie: null });
    s.data.x = 1;
    await expect(sessions.commit(s)).rejects.toMatchObject({ code: "ERR_STORE_WRITE" });
  });
});

describe("faults: a storage that hangs", () => {
  it("read: load rejects with ERR_STORE_TIMEOUT (503) after storeTimeout", { timeout: 3000 }, async () => {
    const { sessions, spy, cookie } = await withSession({ storeTimeout: 50 });
    spy.failOn("read", "hang");
    await expect(sessions.load({ cookie })).rejects.toMatchObject({ code: "ERR_STORE_TIMEOUT", status: 503 });
    const res = await sessions.wrap(() => new Response("ok"))(request(cookie));
    expect(res.status).toBe(503);
  });

  it("write: commit rejects with ERR_STORE_TIMEOUT after storeTimeout", { timeout: 3000 }, async () => {
    const { sessions, spy } = setup({ storeTimeout: 50 });
    spy.failOn("write", "hang");
    const s = await sessions.load({ cookie: null });
    s.data.x = 1;
    await expect(sessions.commit(s)).rejects.toMatchObject({ code: "ERR_STORE_TIMEOUT" });
  });
});

describe("invalid options", () => {
  const cases: Record<string, [unknown, RegExp]> = {
    "no options": [undefined, /secret/],
    "a missing secret": [{}, /secret is required/],
    "an empty secret array": [{ secret: [] }, /secret is required/],
    "a secret shorter than 32 characters": [{ secret: "short-secret" }, /at least 32 characters \(got 12\)/],
    "a short signing secret before a strong one": [{ secret: ["old", SECRET] }, /at least 32 characters \(got 3\)/],
    "an empty secret in the array": [{ secret: [SECRET, ""] }, /non-empty.*index 1/],
    "an unknown compat": [{ secret: SECRET, compat: "express" }, /compat must be "express-session"/],
    "a non-string secret": [{ secret: 12345 }, /secret/],
    "SameSite none with secure false": [{ secret: SECRET, cookie: { sameSite: "none", secure: false } }, /sameSite "none" requires/],
    "an unknown SameSite": [{ secret: SECRET, cookie: { sameSite: "sometimes" } }, /sameSite/],
    "a negative maxAge": [{ secret: SECRET, cookie: { maxAge: -1 } }, /cookie\.maxAge/],
    "a NaN maxAge": [{ secret: SECRET, cookie: { maxAge: Number.NaN } }, /cookie\.maxAge/],
    "an invalid expires": [{ secret: SECRET, cookie: { expires: new Date("nope") } }, /expires/],
    "a bad unset": [{ secret: SECRET, unset: "forget" }, /unset must be "keep" or "destroy"/],
    "a bad secure": [{ secret: SECRET, cookie: { secure: "yes" } }, /secure/],
    "a path not starting with /": [{ secret: SECRET, cookie: { path: "app" } }, /path/],
    "an invalid cookie name": [{ secret: SECRET, name: "my sid" }, /name/],
    "a zero idleTimeout": [{ secret: SECRET, idleTimeout: 0 }, /idleTimeout/],
    "a negative absoluteTimeout": [{ secret: SECRET, absoluteTimeout: -5 }, /absoluteTimeout/],
    "a zero storeTimeout": [{ secret: SECRET, storeTimeout: 0 }, /storeTimeout/],
    "a genid that is not a function": [{ secret: SECRET, genid: "abc" }, /genid/],
    "a storage that is not an unstorage Storage": [{ secret: SECRET, storage: new Map() }, /storage/],
    "partitioned without secure": [{ secret: SECRET, cookie: { partitioned: true, secure: false } }, /partitioned/],
  };

  for (const [what, [options, message]] of Object.entries(cases)) {
    it(`rejects ${what} at construction with ERR_OPTIONS and a clear message`, () => {
      let error: unknown;
      try {
        createSessions(options as SessionOptions);
      } catch (e) {
        error = e;
      }
      expect(error).toMatchObject({ name: "UnsessionError", code: "ERR_OPTIONS" });
      expect((error as Error).message).toMatch(/^\[unsession\] /);
      expect((error as Error).message).toMatch(message);
    });
  }

  it("accepts a secret of exactly 32 characters", () => {
    expect(() => createSessions({ secret: "x".repeat(32) })).not.toThrow();
  });
});

afterEach(() => {
  // Guard against a test leaving Object.prototype dirty for the next one.
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});
