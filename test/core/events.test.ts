import { sign as csSign } from "cookie-signature";
import { describe, expect, it, vi } from "vitest";
import { createSessions, hashId, type SessionEvent, type SessionOptions } from "../../src/index.ts";
import { client } from "../helpers/client.ts";
import { SECRET, idOf, request, spyStorage } from "../helpers/spy-storage.ts";

type Data = { user?: string };

function setup(options: Partial<SessionOptions> = {}) {
  const spy = spyStorage();
  const events: SessionEvent[] = [];
  const sessions = createSessions<Data>({ secret: SECRET, storage: spy.storage, onEvent: (e) => events.push(e), ...options });
  return { spy, events, sessions, browser: client(sessions) };
}

/** Waits until an event of `type` arrived (events are delivered after the ID is hashed). */
async function eventOf(events: SessionEvent[], type: SessionEvent["type"]): Promise<SessionEvent> {
  await vi.waitFor(() => expect(events.map((e) => e.type)).toContain(type), { timeout: 2000, interval: 5 });
  return events.find((e) => e.type === type)!;
}

/** No raw ID anywhere in the events (the error's message included). */
function expectNoRawIds(events: SessionEvent[], ids: string[]) {
  const text = JSON.stringify(events.map((e) => ({ ...e, error: e.error instanceof Error ? `${e.error.message} ${String(e.error.cause)}` : e.error })));
  for (const id of ids) expect(text).not.toContain(id);
}

describe("onEvent", () => {
  it("reports created, with the hashed ID, when a new session is first written", async () => {
    const { browser, events } = setup();
    await browser.run((s) => void (s.data.user = "ada"));
    const id = idOf(browser.cookie)!;
    const e = await eventOf(events, "created");
    expect(e.sid).toBe(await hashId(id));
    expect(e.sid).toMatch(/^[0-9a-f]{16}$/);
    expect(typeof e.time).toBe("number");
    expectNoRawIds(events, [id]);
  });

  it("reports created once, not on later writes of the same session", async () => {
    const { browser, events } = setup();
    await browser.run((s) => void (s.data.user = "ada"));
    await browser.run((s) => void (s.data.user = "grace"));
    await eventOf(events, "created");
    await new Promise((r) => setTimeout(r, 20));
    expect(events.filter((e) => e.type === "created")).toHaveLength(1);
  });

  it("does not report created for a session that is never written", async () => {
    const { browser, events } = setup();
    await browser.run((s) => s.data.user);
    await new Promise((r) => setTimeout(r, 20));
    expect(events).toEqual([]);
  });

  it("reports regenerated with the new and the previous ID, both hashed", async () => {
    const { browser, events } = setup();
    await browser.run((s) => void (s.data.user = "ada"));
    const oldId = idOf(browser.cookie)!;
    await browser.run((s) => s.regenerate({ keepData: true }));
    const newId = idOf(browser.cookie)!;
    const e = await eventOf(events, "regenerated");
    expect(e.sid).toBe(await hashId(newId));
    expect(e.previousSid).toBe(await hashId(oldId));
    expectNoRawIds(events, [oldId, newId]);
  });

  it("reports destroyed with the hashed ID", async () => {
    const { browser, events } = setup();
    await browser.run((s) => void (s.data.user = "ada"));
    const id = idOf(browser.cookie)!;
    await browser.run((s) => s.destroy());
    expect((await eventOf(events, "destroyed")).sid).toBe(await hashId(id));
    expectNoRawIds(events, [id]);
  });

  it("reports expired with the hashed ID", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      const { browser, events } = setup({ idleTimeout: 60 });
      await browser.run((s) => void (s.data.user = "ada"));
      const id = idOf(browser.cookie)!;
      vi.setSystemTime(Date.now() + 61_000);
      await browser.run((s) => s.data.user);
      expect((await eventOf(events, "expired")).sid).toBe(await hashId(id));
      expectNoRawIds(events, [id]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("reports invalid_signature without any ID", async () => {
    const { sessions, events } = setup();
    const forged = "forgedSessionId_0123456789abcdefghijk";
    await sessions.load({ cookie: `sid=${encodeURIComponent(`s:${forged}.${"A".repeat(43)}`)}` });
    const e = await eventOf(events, "invalid_signature");
    expect(e.sid).toBeUndefined();
    expectNoRawIds(events, [forged]);
  });

  it("reports unknown_id with the hashed ID", async () => {
    const { sessions, events } = setup();
    const unknown = "neverIssuedSessionId_0123456789abcdef";
    await sessions.load({ cookie: `sid=${encodeURIComponent(`s:${csSign(unknown, SECRET)}`)}` });
    expect((await eventOf(events, "unknown_id")).sid).toBe(await hashId(unknown));
    expectNoRawIds(events, [unknown]);
  });

  it("reports store_error with the typed error, and no raw ID or key", async () => {
    const { browser, events, spy } = setup();
    await browser.run((s) => void (s.data.user = "ada"));
    const id = idOf(browser.cookie)!;
    spy.failOn("read", new Error("connection lost"));
    const res = await browser.run((s) => s.data.user);
    expect(res.response.status).toBe(503);
    const e = await eventOf(events, "store_error");
    expect(e.error).toMatchObject({ code: "ERR_STORE_READ" });
    expectNoRawIds(events, [id]);
  });

  it("reports a store timeout as store_error", async () => {
    const { browser, events, spy } = setup({ storeTimeout: 30 });
    await browser.run((s) => void (s.data.user = "ada"));
    spy.failOn("read", "hang");
    await browser.run((s) => s.data.user);
    expect((await eventOf(events, "store_error")).error).toMatchObject({ code: "ERR_STORE_TIMEOUT" });
  });

  it("ignores a hook that throws: the request still succeeds", async () => {
    const sessions = createSessions<Data>({
      secret: SECRET,
      onEvent: () => {
        throw new Error("hook failed");
      },
    });
    const res = await sessions.wrap((_req, s) => {
      s.data.user = "ada";
      return new Response("ok");
    })(request());
    expect(res.status).toBe(200);
    expect(res.headers.get("set-cookie")).toBeTruthy();
    await new Promise((r) => setTimeout(r, 20));
  });

  it("hashId gives a stable 16-hex-character SHA-256 prefix", async () => {
    expect(await hashId("abc")).toBe("ba7816bf8f01cfea");
    expect(await hashId("abc")).toBe(await hashId("abc"));
  });
});
