/** A user's sessions as the "your devices" page sees them: labels in `listUserSessions`, and `revokeUserSession(userId, sid)`. */
import { createStorage } from "unstorage";
import memoryDriver from "unstorage/drivers/memory";
import { describe, expect, it, vi } from "vitest";
import { createSessions, type SessionEvent, type SessionOptions } from "../../src/index.ts";
import { SECRET } from "../helpers/spy-storage.ts";

const cookieOf = (response: Response): string => response.headers.get("set-cookie")!.split(";")[0]!;

function app(options: Partial<SessionOptions> = {}) {
  const sessions = createSessions<{ user?: string }>({ secret: SECRET, storage: createStorage({ driver: memoryDriver() }), ...options });
  const handler = sessions.wrap(async (request, session) => {
    const url = new URL(request.url);
    if (url.pathname === "/login") {
      await session.regenerate();
      const user = url.searchParams.get("user")!;
      session.data.user = user;
      const label = url.searchParams.get("label");
      session.setUser(user, label === null ? {} : { label });
      return new Response("in");
    }
    return new Response(session.data.user ?? "anonymous");
  });
  const get = async (path: string, cookie?: string): Promise<Response> => handler(new Request(`http://127.0.0.1${path}`, { headers: cookie ? { cookie } : {} }));
  const load = (cookie: string) => sessions.load(new Request("http://127.0.0.1/", { headers: { cookie } }));
  return { sessions, get, load };
}

describe("labels in a user's listing", () => {
  it("lists the label given at setUser, kept across later writes of the session, and none without one", async () => {
    const { sessions, get, load } = app();
    const phone = cookieOf(await get("/login?user=alice&label=Safari%20on%20iPhone"));
    await get("/login?user=alice");
    const s = await load(phone);
    s.data.user = "alice (edited)"; // a later write of the record keeps the label
    await sessions.commit(s);
    const list = await sessions.listUserSessions("alice", await load(phone));
    expect(list.find((x) => x.current)!.label).toBe("Safari on iPhone");
    expect(list.find((x) => !x.current)!.label).toBeUndefined();
    expect(Object.keys(list.find((x) => !x.current)!)).not.toContain("label");
  });

  it.each([[42], ["x".repeat(201)]])("refuses a label that is not a string of at most 200 characters (%#)", async (label) => {
    const { load, get } = app();
    const s = await load(cookieOf(await get("/login?user=alice")));
    expect(() => s.setUser("alice", { label: label as string })).toThrow(/label must be a string of at most 200 characters/);
  });
});

describe("revoking one session of a user", () => {
  it.each([false, true])("ends exactly the listed session (hashIds: %s), and the listing no longer shows it", async (hashIds) => {
    const { sessions, get, load } = app({ hashIds });
    const phone = cookieOf(await get("/login?user=alice"));
    const laptop = cookieOf(await get("/login?user=alice"));
    const bob = cookieOf(await get("/login?user=bob"));
    const current = await load(laptop);
    const list = await sessions.listUserSessions("alice", current);
    expect(list).toHaveLength(2);
    const other = list.find((x) => !x.current)!;
    expect(await sessions.revokeUserSession("alice", other.sid)).toBe(true);
    expect(await (await get("/", phone)).text()).toBe("anonymous");
    expect(await (await get("/", laptop)).text()).toBe("alice");
    expect(await (await get("/", bob)).text()).toBe("bob");
    const after = await sessions.listUserSessions("alice", current);
    expect(after.map((x) => x.current)).toEqual([true]);
    expect(await sessions.revokeUserSession("alice", other.sid)).toBe(false); // already gone
  });

  it("never ends another user's session, whatever sid it is given", async () => {
    const { sessions, get } = app();
    const bob = cookieOf(await get("/login?user=bob"));
    await get("/login?user=alice");
    const [bobs] = await sessions.listUserSessions("bob");
    expect(await sessions.revokeUserSession("alice", bobs!.sid)).toBe(false);
    expect(await (await get("/", bob)).text()).toBe("bob");
  });

  it.each<[unknown, string]>([["", "empty"], ["zz".repeat(8), "not hex"], ["0".repeat(64), "too long"], [42, "not a string"]])(
    "ends nothing for a malformed sid (%s: %s)",
    async (sid, _why) => {
      const { sessions, get } = app();
      const alice = cookieOf(await get("/login?user=alice"));
      expect(await sessions.revokeUserSession("alice", sid as string)).toBe(false);
      expect(await (await get("/", alice)).text()).toBe("alice");
    },
  );

  it("reports the revocation to onEvent", async () => {
    const events: SessionEvent[] = [];
    const { sessions, get } = app({ onEvent: (e) => events.push(e) });
    await get("/login?user=alice");
    const [one] = await sessions.listUserSessions("alice");
    await sessions.revokeUserSession("alice", one!.sid);
    // Events are delivered after hashing.
    await vi.waitFor(() => expect(events.map((e) => e.type)).toContain("revoked"), { timeout: 2000, interval: 5 });
  });
});
