import { sign as csSign } from "cookie-signature";
import { describe, expect, it, vi } from "vitest";
import { createSessions, type SessionOptions } from "../../src/index.ts";
import { SECRET, cookiePair, idOf, request, spyStorage } from "../helpers/spy-storage.ts";

type Data = { n?: number; profile?: { name: string } };

function setup(options: Partial<SessionOptions> = {}) {
  const spy = spyStorage();
  const sessions = createSessions<Data>({ secret: SECRET, storage: spy.storage, ...options });
  const handler = sessions.wrap((req, session) => {
    const action = new URL(req.url).searchParams.get("do");
    if (action === "inc") session.data.n = (session.data.n ?? 0) + 1;
    return Response.json({ n: session.data.n ?? null, isNew: session.isNew });
  });
  const call = (cookie?: string | null, action?: string) =>
    handler(request(cookie, { url: `http://127.0.0.1/${action ? `?do=${action}` : ""}` }));
  return { sessions, handler, spy, call };
}

describe("store I/O budget", () => {
  it("makes 0 store operations for a request without a session cookie", async () => {
    const { call, spy } = setup();
    const res = await call(null);
    expect(await res.json()).toEqual({ n: null, isNew: true });
    expect(spy.counts().total).toBe(0);
    expect(res.headers.get("set-cookie")).toBeNull();
  });

  it("makes 0 store operations for a request with only other cookies", async () => {
    const { call, spy } = setup();
    await call("theme=dark; lang=en");
    expect(spy.counts().total).toBe(0);
  });

  it("makes exactly 1 write (and no read) when a new session gets data", async () => {
    const { call, spy } = setup();
    const res = await call(null, "inc");
    expect(res.headers.get("set-cookie")).toBeTruthy();
    expect(spy.counts()).toMatchObject({ reads: 0, writes: 1, removes: 0 });
  });

  it("makes exactly 1 read and 0 writes for a valid cookie and no change (within the touch throttle)", async () => {
    const { call, spy } = setup();
    const cookie = cookiePair((await call(null, "inc")).headers.get("set-cookie"));
    for (let i = 0; i < 5; i++) {
      spy.reset();
      const res = await call(cookie);
      expect(await res.json()).toEqual({ n: 1, isNew: false });
      expect(spy.counts()).toEqual({ reads: 1, writes: 0, removes: 0, total: 1 });
      expect(res.headers.get("set-cookie")).toBeNull();
    }
  });

  it("makes exactly 1 read and 1 write for a valid cookie and a change", async () => {
    const { call, spy } = setup();
    const cookie = cookiePair((await call(null, "inc")).headers.get("set-cookie"));
    spy.reset();
    const res = await call(cookie, "inc");
    expect(await res.json()).toEqual({ n: 2, isNew: false });
    expect(spy.counts()).toEqual({ reads: 1, writes: 1, removes: 0, total: 2 });
  });

  it("keeps the same budget through load/commit with a RequestLike (no Request built)", async () => {
    const { call, spy, sessions } = setup();
    const cookie = cookiePair((await call(null, "inc")).headers.get("set-cookie"));
    spy.reset();
    const session = await sessions.load({ cookie, secure: false });
    expect(session.data.n).toBe(1);
    expect(await sessions.commit(session)).toBeNull();
    expect(spy.counts()).toMatchObject({ reads: 1, writes: 0 });
    spy.reset();
    const changed = await sessions.load({ cookie, secure: false });
    changed.data.n = 5;
    await sessions.commit(changed);
    expect(spy.counts()).toMatchObject({ reads: 1, writes: 1 });
  });

  it("makes 0 store operations for a cookie whose signature does not verify", async () => {
    const { call, spy } = setup();
    const id = idOf((await call(null, "inc")).headers.get("set-cookie"))!;
    spy.reset();
    await call(`sid=${encodeURIComponent(`s:${id}.${"x".repeat(43)}`)}`, "inc");
    // The forged cookie costs nothing; the change then creates a fresh session: 1 write, no read.
    expect(spy.counts()).toMatchObject({ reads: 0, removes: 0 });
  });

  it("never adopts an unknown but validly signed ID: 1 read, then a fresh ID when data is set", async () => {
    const { call, spy } = setup();
    const planted = "attacker_chosen_id_000000000000000000000";
    const cookie = `sid=${encodeURIComponent(`s:${csSign(planted, SECRET)}`)}`;
    const quiet = await call(cookie);
    expect(await quiet.json()).toEqual({ n: null, isNew: true });
    expect(spy.counts()).toEqual({ reads: 1, writes: 0, removes: 0, total: 1 });
    expect(quiet.headers.get("set-cookie")).toBeNull();
    spy.reset();
    const res = await call(cookie, "inc");
    expect(await res.json()).toEqual({ n: 1, isNew: true });
    const issued = idOf(res.headers.get("set-cookie"));
    expect(issued).toBeTruthy();
    expect(issued).not.toBe(planted);
    expect(spy.calls.filter((c) => c.op === "setItemRaw").map((c) => c.key)).toEqual([`sess:${issued}`]);
    expect(await spy.keys()).not.toContain(`sess:${planted}`);
  });

  it("makes 1 read and 1 remove for a destroy, and 1 read, 1 remove and 1 write for a regenerate", async () => {
    const spy = spyStorage();
    const sessions = createSessions<Data>({ secret: SECRET, storage: spy.storage });
    const first = await sessions.load({ cookie: null });
    first.data.n = 1;
    const cookie = cookiePair(await sessions.commit(first));
    spy.reset();
    const a = await sessions.load({ cookie });
    await a.regenerate({ keepData: true });
    const regenerated = await sessions.commit(a);
    expect(spy.counts()).toEqual({ reads: 1, writes: 1, removes: 1, total: 3 });
    spy.reset();
    const b = await sessions.load({ cookie: cookiePair(regenerated) });
    await b.destroy();
    await sessions.commit(b);
    expect(spy.counts()).toEqual({ reads: 1, writes: 0, removes: 1, total: 2 });
  });

  it("a throttled touch (after touchAfter) costs one write, after re-reading the record so it never writes stale data", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      const { call, spy } = setup({ idleTimeout: 600 });
      const cookie = cookiePair((await call(null, "inc")).headers.get("set-cookie"));
      vi.setSystemTime(Date.now() + 61_000); // past the default touchAfter (60 s)
      spy.reset();
      await call(cookie);
      // 1 load read + 1 fresh read before the touch write (checklist 34), and exactly 1 write.
      expect(spy.counts()).toEqual({ reads: 2, writes: 1, removes: 0, total: 3 });
    } finally {
      vi.useRealTimers();
    }
  });
});
