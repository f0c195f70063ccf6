import { describe, expect, it } from "vitest";
import { createSessions, type SessionOptions } from "../../src/index.ts";
import { client } from "../helpers/client.ts";
import { SECRET, attribute, spyStorage } from "../helpers/spy-storage.ts";

type Data = { n?: number; profile?: { name: string; tags: string[] }; other?: string };

function setup(options: Partial<SessionOptions> = {}) {
  const spy = spyStorage();
  const sessions = createSessions<Data>({ secret: SECRET, storage: spy.storage, ...options });
  return { spy, sessions, browser: client(sessions) };
}

/** A client whose session already holds `{ n: 1, profile: { name: "ada", tags: ["a"] } }`; the spy is reset. */
async function withSession(options: Partial<SessionOptions> = {}) {
  const ctx = setup(options);
  await ctx.browser.run((s) => {
    s.data.n = 1;
    s.data.profile = { name: "ada", tags: ["a"] };
  });
  expect(ctx.browser.cookie).toBeTruthy();
  ctx.spy.reset();
  return ctx;
}

const stored = async (ctx: { spy: ReturnType<typeof spyStorage>; browser: { cookie: string | null } }) => {
  const keys = await ctx.spy.keys();
  expect(keys).toHaveLength(1);
  return JSON.parse((await ctx.spy.raw(keys[0]!)) as string) as Record<string, unknown>;
};

describe("change detection", () => {
  it("counts a nested mutation as a change", async () => {
    const ctx = await withSession();
    await ctx.browser.run((s) => {
      s.data.profile!.name = "grace";
    });
    expect(ctx.spy.counts().writes).toBe(1);
    expect((await stored(ctx)).profile).toEqual({ name: "grace", tags: ["a"] });
  });

  it("counts a push into a nested array as a change", async () => {
    const ctx = await withSession();
    await ctx.browser.run((s) => void s.data.profile!.tags.push("b"));
    expect(ctx.spy.counts().writes).toBe(1);
    expect((await stored(ctx)).profile).toEqual({ name: "ada", tags: ["a", "b"] });
  });

  it("counts deleting a key as a change", async () => {
    const ctx = await withSession();
    await ctx.browser.run((s) => void delete s.data.n);
    expect(ctx.spy.counts().writes).toBe(1);
    expect((await stored(ctx)).n).toBeUndefined();
  });

  it("does not write when data is only read, deeply", async () => {
    const ctx = await withSession();
    const { result, setCookie } = await ctx.browser.run((s) => `${s.data.n}:${s.data.profile!.name}:${s.data.profile!.tags.join()}`);
    expect(result).toBe("1:ada:a");
    expect(ctx.spy.counts()).toMatchObject({ reads: 1, writes: 0 });
    expect(setCookie).toBeNull();
  });

  it("does not write when a value is set to what it already was", async () => {
    const ctx = await withSession();
    await ctx.browser.run((s) => {
      s.data.n = 1;
      s.data.profile = { name: "ada", tags: ["a"] };
    });
    expect(ctx.spy.counts().writes).toBe(0);
  });

  it("counts replacing the whole data object as a change", async () => {
    const ctx = await withSession();
    await ctx.browser.run((s) => {
      s.data = { other: "x" };
    });
    expect(ctx.spy.counts().writes).toBe(1);
    const record = await stored(ctx);
    expect(record.other).toBe("x");
    expect(record.n).toBeUndefined();
    expect(record.profile).toBeUndefined();
  });

  it("rejects replacing data with something that is not a plain object", async () => {
    const { sessions } = setup();
    const session = await sessions.load({ cookie: null });
    for (const bad of [null, 42, "x", [1]]) {
      expect(() => {
        session.data = bad as never;
      }).toThrow(expect.objectContaining({ code: "ERR_STATE" }));
    }
  });
});

describe("express-session semantics: saveUninitialized", () => {
  it("false (default): a new session without data gets no cookie and no write", async () => {
    const ctx = setup();
    const { setCookie } = await ctx.browser.run((s) => s.data.n);
    expect(setCookie).toBeNull();
    expect(ctx.spy.counts().total).toBe(0);
  });

  it("true: a new session without data is saved and gets a cookie", async () => {
    const ctx = setup({ saveUninitialized: true });
    const { setCookie } = await ctx.browser.run(() => undefined);
    expect(setCookie).toBeTruthy();
    expect(ctx.spy.counts().writes).toBe(1);
    // Next request: the session exists.
    const { result } = await ctx.browser.run((s) => s.isNew);
    expect(result).toBe(false);
  });
});

describe("express-session semantics: resave", () => {
  it("false (default): an unchanged session is not written", async () => {
    const ctx = await withSession();
    await ctx.browser.run((s) => s.data.n);
    await ctx.browser.run(() => undefined);
    expect(ctx.spy.counts().writes).toBe(0);
  });

  it("true: an unchanged session is written on every request", async () => {
    const ctx = await withSession({ resave: true });
    await ctx.browser.run((s) => s.data.n);
    await ctx.browser.run(() => undefined);
    expect(ctx.spy.counts().writes).toBe(2);
    expect((await stored(ctx)).n).toBe(1);
  });
});

describe("express-session semantics: rolling", () => {
  it("false (default): an unchanged session's response has no Set-Cookie", async () => {
    const ctx = await withSession({ cookie: { maxAge: 3600 } });
    const { setCookie } = await ctx.browser.run(() => undefined);
    expect(setCookie).toBeNull();
  });

  it("true: every response of an existing session carries the cookie", async () => {
    const ctx = await withSession({ rolling: true, cookie: { maxAge: 3600 } });
    for (let i = 0; i < 3; i++) {
      const { setCookie, response } = await ctx.browser.run(() => undefined);
      expect(setCookie).toBeTruthy();
      expect(Number(attribute(setCookie!, "Max-Age"))).toBeGreaterThan(3500);
      expect(response.headers.get("cache-control")).toBe("no-store");
    }
  });

  it("true: still no cookie for an uninitialised new session (saveUninitialized false)", async () => {
    const ctx = setup({ rolling: true });
    const { setCookie } = await ctx.browser.run(() => undefined);
    expect(setCookie).toBeNull();
    expect(ctx.spy.counts().total).toBe(0);
  });

  it("a changed session with a maxAge sends the cookie again even without rolling", async () => {
    const ctx = await withSession({ cookie: { maxAge: 3600 } });
    const { setCookie } = await ctx.browser.run((s) => {
      s.data.n = 2;
    });
    expect(setCookie).toBeTruthy();
  });
});

describe("express-session semantics: unset", () => {
  it("keep (default): unset() discards this request's changes and keeps the stored session", async () => {
    const ctx = await withSession();
    const { setCookie } = await ctx.browser.run(async (s) => {
      s.data.n = 99;
      await s.unset();
    });
    expect(setCookie).toBeNull();
    expect(ctx.spy.counts().writes).toBe(0);
    expect((await stored(ctx)).n).toBe(1);
    const { result } = await ctx.browser.run((s) => s.data.n);
    expect(result).toBe(1);
  });

  it("destroy: unset() removes the record and clears the cookie", async () => {
    const ctx = await withSession({ unset: "destroy" });
    const { setCookie } = await ctx.browser.run(async (s) => {
      await s.unset();
    });
    expect(setCookie).toBeTruthy();
    expect(attribute(setCookie!, "Max-Age")).toBe("0");
    expect(await ctx.spy.keys()).toEqual([]);
    expect(ctx.browser.cookie).toBeNull();
  });
});

describe("per-session cookie lifetime", () => {
  it("uses cookie.maxAge from the options as the default", async () => {
    const ctx = setup({ cookie: { maxAge: 1800 } });
    const { setCookie, result } = await ctx.browser.run((s) => {
      s.data.n = 1;
      return s.cookie.maxAge;
    });
    expect(result).toBe(1800);
    // Never above the configured lifetime; a second may be lost to rounding down against the server deadline.
    expect(Number(attribute(setCookie!, "Max-Age"))).toBeGreaterThanOrEqual(1799);
    expect(Number(attribute(setCookie!, "Max-Age"))).toBeLessThanOrEqual(1800);
  });

  it("a change of session.cookie.maxAge is a change: written, sent, and kept on later requests", async () => {
    const ctx = await withSession({ cookie: { maxAge: 600 }, idleTimeout: 30 * 86_400 });
    const { setCookie } = await ctx.browser.run((s) => {
      s.cookie.maxAge = 14 * 86_400; // "remember me"
    });
    expect(ctx.spy.counts().writes).toBe(1);
    expect(Number(attribute(setCookie!, "Max-Age"))).toBeGreaterThanOrEqual(14 * 86_400 - 1);
    expect(Number(attribute(setCookie!, "Max-Age"))).toBeLessThanOrEqual(14 * 86_400);
    expect(((await stored(ctx)).cookie as { originalMaxAge: number }).originalMaxAge).toBe(14 * 86_400 * 1000);
    const { result } = await ctx.browser.run((s) => s.cookie.maxAge);
    expect(result).toBe(14 * 86_400);
    // Another new session still gets the default.
    const other = client(ctx.sessions);
    const { result: otherMaxAge } = await other.run((s) => {
      s.data.n = 1;
      return s.cookie.maxAge;
    });
    expect(otherMaxAge).toBe(600);
  });

  it("setting maxAge to undefined makes a browser-session cookie (no Max-Age/Expires)", async () => {
    const ctx = await withSession({ cookie: { maxAge: 600 } });
    const { setCookie } = await ctx.browser.run((s) => {
      s.data.n = 2;
      s.cookie.maxAge = undefined;
    });
    // Not sent again (no expiry to refresh), but stored as a browser-session cookie.
    expect(setCookie === null || attribute(setCookie, "Max-Age") === undefined).toBe(true);
    expect(((await stored(ctx)).cookie as { originalMaxAge: unknown }).originalMaxAge).toBeNull();
  });

  it("rejects a negative or non-finite per-session maxAge", async () => {
    const { sessions } = setup();
    const session = await sessions.load({ cookie: null });
    expect(() => (session.cookie.maxAge = -1)).toThrow(expect.objectContaining({ code: "ERR_STATE" }));
    expect(() => (session.cookie.maxAge = Number.POSITIVE_INFINITY)).toThrow(expect.objectContaining({ code: "ERR_STATE" }));
  });
});

describe("Set-Cookie Max-Age never outlives the server deadlines", () => {
  const maxAgeOf = (setCookie: string | null): number => Number(attribute(setCookie!, "Max-Age"));

  it("is capped by the idle timeout", async () => {
    const ctx = setup({ cookie: { maxAge: 86_400 }, idleTimeout: 300 });
    const { setCookie } = await ctx.browser.run((s) => void (s.data.n = 1));
    expect(maxAgeOf(setCookie)).toBeLessThanOrEqual(300);
    expect(maxAgeOf(setCookie)).toBeGreaterThan(290);
  });

  it("is capped by the absolute timeout", async () => {
    const ctx = setup({ cookie: { maxAge: 86_400 }, absoluteTimeout: 600 });
    const { setCookie } = await ctx.browser.run((s) => void (s.data.n = 1));
    expect(maxAgeOf(setCookie)).toBeLessThanOrEqual(600);
  });

  it("is capped when a session raises its own maxAge beyond the deadlines", async () => {
    const ctx = await withSession({ cookie: { maxAge: 60 }, idleTimeout: 120, absoluteTimeout: 900 });
    const { setCookie } = await ctx.browser.run((s) => {
      s.cookie.maxAge = 365 * 86_400;
    });
    expect(maxAgeOf(setCookie)).toBeLessThanOrEqual(120);
    const expires = Date.parse(attribute(setCookie!, "Expires") as string);
    expect(expires).toBeLessThanOrEqual(Date.now() + 121_000);
  });

  it("is capped when the cookie has a fixed far-away expires", async () => {
    const ctx = setup({ cookie: { expires: new Date(Date.now() + 365 * 86_400_000) }, absoluteTimeout: 3600 });
    const { setCookie } = await ctx.browser.run((s) => void (s.data.n = 1));
    expect(maxAgeOf(setCookie)).toBeLessThanOrEqual(3600);
  });
});
