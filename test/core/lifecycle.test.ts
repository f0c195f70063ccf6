import { describe, expect, it } from "vitest";
import { createSessions, type SessionOptions } from "../../src/index.ts";
import { client } from "../helpers/client.ts";
import { SECRET, attribute, cookiePair, idOf, spyStorage } from "../helpers/spy-storage.ts";

type Data = { user?: string; n?: number; x?: number };

function setup(options: Partial<SessionOptions> = {}) {
  const spy = spyStorage();
  const sessions = createSessions<Data>({ secret: SECRET, storage: spy.storage, ...options });
  return { spy, sessions, browser: client(sessions) };
}

async function loggedIn(options: Partial<SessionOptions> = {}) {
  const ctx = setup(options);
  await ctx.browser.run((s) => {
    s.data.user = "ada";
    s.data.n = 1;
  });
  const id = idOf(ctx.browser.cookie)!;
  expect(id).toBeTruthy();
  ctx.spy.reset();
  return { ...ctx, id, cookie: ctx.browser.cookie! };
}

describe("regenerate", () => {
  it("issues a new ID, removes the old record at once, and empties the data", async () => {
    const { browser, spy, id } = await loggedIn();
    const { setCookie, result } = await browser.run(async (s) => {
      await s.regenerate();
      // The old record is already gone, before the response is committed.
      const keysDuring = await spy.keys();
      const data = { ...s.data };
      s.data.user = "grace"; // the login pattern: regenerate, then set the user
      return { keysDuring, data, isNew: s.isNew };
    });
    expect(result.keysDuring).not.toContain(`sess:${id}`);
    expect(result.data).toEqual({});
    expect(result.isNew).toBe(true);
    const newId = idOf(setCookie);
    expect(newId).toBeTruthy();
    expect(newId).not.toBe(id);
    expect(await spy.keys()).toEqual([`sess:${newId}`]);
  });

  it("keeps the data with keepData", async () => {
    const { browser, id } = await loggedIn();
    await browser.run((s) => s.regenerate({ keepData: true }));
    expect(idOf(browser.cookie)).not.toBe(id);
    const { result } = await browser.run((s) => ({ ...s.data }));
    expect(result).toEqual({ user: "ada", n: 1 });
  });

  it("makes the old cookie anonymous (no fixation, no replay)", async () => {
    const { browser, sessions, cookie } = await loggedIn();
    await browser.run((s) => s.regenerate({ keepData: true }));
    const replay = await sessions.load({ cookie });
    expect(replay.isNew).toBe(true);
    expect(replay.data).toEqual({});
  });

  it("sends a cookie for the new ID with kept data even when nothing else changed", async () => {
    const { browser, id } = await loggedIn();
    const { setCookie } = await browser.run((s) => s.regenerate({ keepData: true }));
    expect(idOf(setCookie)).toBeTruthy();
    expect(idOf(setCookie)).not.toBe(id);
  });

  it("with empty data and saveUninitialized false, writes nothing new and leaves the old cookie dead", async () => {
    const { browser, spy, sessions, cookie } = await loggedIn();
    const { setCookie } = await browser.run((s) => s.regenerate());
    expect(setCookie).toBeNull();
    expect(spy.counts().writes).toBe(0);
    expect(await spy.keys()).toEqual([]);
    expect((await sessions.load({ cookie })).isNew).toBe(true);
  });

  it("keeps the old ID out of the store when a slower request on it commits afterwards", async () => {
    const { sessions, spy, cookie, id } = await loggedIn();
    const slow = await sessions.load({ cookie });
    const login = await sessions.load({ cookie });
    await login.regenerate({ keepData: true });
    const fresh = await sessions.commit(login);
    slow.data.x = 1;
    await sessions.commit(slow);
    expect(await spy.keys()).toEqual([`sess:${idOf(fresh)}`]);
    expect(await spy.keys()).not.toContain(`sess:${id}`);
  });
});

describe("destroy", () => {
  it("removes the record and clears the cookie with the same name, Path and Domain, Max-Age=0", async () => {
    const ctx = setup({ name: "app.sid", cookie: { path: "/app", domain: "example.test", maxAge: 3600 } });
    const url = "http://example.test/app/page";
    const b = client(ctx.sessions);
    const { setCookie: issued } = await b.run((s) => void (s.data.user = "ada"), { url });
    expect(issued).toBeTruthy();
    const id = idOf(issued)!;
    ctx.spy.reset();
    const { setCookie, response } = await b.run((s) => s.destroy(), { url });
    expect(ctx.spy.counts().removes).toBe(1);
    expect(await ctx.spy.keys()).not.toContain(`sess:${id}`);
    expect(cookiePair(setCookie)).toBe("app.sid=");
    expect(attribute(setCookie!, "Path")).toBe("/app");
    expect(attribute(setCookie!, "Domain")).toBe("example.test");
    expect(attribute(setCookie!, "Max-Age")).toBe("0");
    expect(Date.parse(attribute(setCookie!, "Expires") as string)).toBeLessThanOrEqual(Date.now());
    expect(response.headers.get("cache-control")).toBe("no-store");
  });

  it("makes the destroyed session's cookie anonymous afterwards", async () => {
    const { browser, sessions, cookie } = await loggedIn();
    await browser.run((s) => s.destroy());
    expect(browser.cookie).toBeNull();
    const again = await sessions.load({ cookie });
    expect(again.isNew).toBe(true);
    expect(again.data).toEqual({});
  });

  it("is not undone by a slower request on the same session that commits afterwards", async () => {
    const { sessions, spy, cookie } = await loggedIn();
    const slow = await sessions.load({ cookie });
    const logout = await sessions.load({ cookie });
    await logout.destroy();
    await sessions.commit(logout);
    slow.data.n = 2;
    slow.touch();
    expect(await sessions.commit(slow)).toBeNull();
    expect(await spy.keys()).toEqual([]);
  });

  it("refuses to save or regenerate a destroyed session", async () => {
    const { sessions, cookie } = await loggedIn();
    const s = await sessions.load({ cookie });
    await s.destroy();
    expect(s.destroyed).toBe(true);
    await expect(s.save()).rejects.toMatchObject({ code: "ERR_STATE" });
    await expect(s.regenerate()).rejects.toMatchObject({ code: "ERR_STATE" });
  });
});

describe("a handler that fails", () => {
  it("commits none of its changes when it throws", async () => {
    const { sessions, spy, cookie } = await loggedIn();
    const handler = sessions.wrap((_req, s) => {
      s.data.user = "mallory";
      throw new Error("boom");
    });
    await expect(handler(new Request("http://127.0.0.1/", { headers: { cookie } }))).rejects.toThrow("boom");
    expect(spy.counts().writes).toBe(0);
    expect((await sessions.load({ cookie })).data.user).toBe("ada");
  });
});

describe("reload", () => {
  it("discards local changes and reads what another request wrote", async () => {
    const { sessions, cookie } = await loggedIn();
    const a = await sessions.load({ cookie });
    const b = await sessions.load({ cookie });
    b.data.x = 7;
    await sessions.commit(b);
    a.data.n = 99;
    await a.reload();
    expect(a.data).toEqual({ user: "ada", n: 1, x: 7 });
    await sessions.commit(a);
    const c = await sessions.load({ cookie });
    expect(c.data).toEqual({ user: "ada", n: 1, x: 7 });
  });

  it("fails with ERR_STATE for a session that has no stored record", async () => {
    const { sessions } = setup();
    const s = await sessions.load({ cookie: null });
    await expect(s.reload()).rejects.toMatchObject({ code: "ERR_STATE" });
  });

  it("fails with ERR_STATE when the record was destroyed meanwhile", async () => {
    const { sessions, cookie } = await loggedIn();
    const a = await sessions.load({ cookie });
    const b = await sessions.load({ cookie });
    await b.destroy();
    await expect(a.reload()).rejects.toMatchObject({ code: "ERR_STATE" });
  });
});

describe("save", () => {
  it("writes the session at once, and commit does not write it again", async () => {
    const { sessions, spy } = setup();
    const s = await sessions.load({ cookie: null });
    s.data.user = "ada";
    await s.save();
    expect(spy.counts().writes).toBe(1);
    expect(await spy.keys()).toEqual([`sess:${s.id}`]);
    const setCookie = await sessions.commit(s);
    expect(idOf(setCookie)).toBe(s.id);
    expect(spy.counts().writes).toBe(1);
  });

  it("writes later changes again at commit", async () => {
    const { sessions, spy } = setup();
    const s = await sessions.load({ cookie: null });
    s.data.n = 1;
    await s.save();
    s.data.n = 2;
    const cookie = cookiePair(await sessions.commit(s));
    expect(spy.counts().writes).toBe(2);
    expect((await sessions.load({ cookie })).data.n).toBe(2);
  });
});

describe("flash", () => {
  it("is readable once, on the next request, and gone after", async () => {
    const { browser } = await loggedIn();
    const { result: sameRequest } = await browser.run((s) => {
      s.flash("notice", "saved");
      return s.getFlash("notice");
    });
    expect(sameRequest).toBeUndefined();
    const { result: next } = await browser.run((s) => s.getFlash<string>("notice"));
    expect(next).toBe("saved");
    const { result: after } = await browser.run((s) => s.getFlash("notice"));
    expect(after).toBeUndefined();
  });

  it("is not readable in the request that set it even after save(), and is readable on the next", async () => {
    const { browser } = await loggedIn();
    const { result: sameRequest } = await browser.run(async (s) => {
      s.flash("notice", "saved");
      await s.save();
      return s.getFlash("notice");
    });
    expect(sameRequest).toBeUndefined();
    const { result: next } = await browser.run((s) => s.getFlash("notice"));
    expect(next).toBe("saved");
  });

  it("survives a request that does not read it", async () => {
    const { browser } = await loggedIn();
    await browser.run((s) => s.flash("notice", { kind: "ok" }));
    await browser.run((s) => s.data.user);
    const { result } = await browser.run((s) => s.getFlash("notice"));
    expect(result).toEqual({ kind: "ok" });
  });

  it("starts a session: a flash on a new session sets the cookie", async () => {
    const { browser } = setup();
    const { setCookie } = await browser.run((s) => s.flash("notice", "welcome"));
    expect(setCookie).toBeTruthy();
    const { result } = await browser.run((s) => s.getFlash("notice"));
    expect(result).toBe("welcome");
  });

  it("is not visible in session.data", async () => {
    const { browser } = await loggedIn();
    await browser.run((s) => s.flash("notice", "x"));
    const { result } = await browser.run((s) => Object.keys(s.data).sort());
    expect(result).toEqual(["n", "user"]);
  });
});
