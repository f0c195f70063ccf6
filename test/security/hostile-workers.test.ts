/**
 * The hostile-input table through the Cloudflare adapter (`withSession`), called in-process with
 * `Request` objects and a stand-in `ctx` (workerd itself is covered by the runtime suites). Header values
 * are ByteStrings, so non-UTF-8 bytes arrive as latin1 characters, as workerd hands them over. The rows that
 * Node's HTTP parser rejects (NUL, oversized headers) have no equivalent here: workerd's front end answers those.
 */
import { describe, expect, it } from "vitest";
import { withSession } from "../../adapters/cloudflare.ts";
import { SECRET, faultyStore } from "./harness.ts";
import { cases } from "./hostile-cases.ts";

type Data = { marker?: string };

describe("hostile inputs: cloudflare withSession", () => {
  const store = faultyStore();
  const pending: Promise<unknown>[] = [];
  const ctx = { waitUntil: (p: Promise<unknown>) => void pending.push(p) };
  const worker = withSession<Data, Record<string, never>>(
    (request, session) => {
      const url = new URL(request.url);
      const before = session.data.marker ?? null; // what the request saw, before its own write
      if (url.pathname === "/set") session.data.marker = url.searchParams.get("v") ?? "x";
      return Response.json({ marker: before });
    },
    { secret: SECRET, store },
  );
  const get = (path: string, cookie?: string) => worker(new Request(`http://127.0.0.1${path}`, { headers: cookie ? { cookie } : {} }), {}, ctx);
  const idOf = (setCookie: string): string => {
    const value = decodeURIComponent(setCookie.split(";")[0]!.slice(4));
    return value.slice(2, value.lastIndexOf("."));
  };

  for (const c of cases.filter((x) => x.outcome !== "rejected")) {
    it(`${c.name}: ${c.outcome === "own" ? "the victim's own session" : "anonymous, the stored record untouched"}`, async () => {
      const victimSet = (await get("/set?v=victim")).headers.get("set-cookie")!;
      const victim = victimSet.split(";")[0]!;
      const victimId = idOf(victimSet);
      const other = (await get("/set?v=other")).headers.get("set-cookie")!.split(";")[0]!;
      const before = store.raw.get(`sess:${victimId}`);
      store.reset();
      const response = await get(c.path ?? "/set?v=hostile", c.cookie(victim, other));
      expect(response.status).toBe(200);
      const text = await response.text();
      expect(text).not.toContain(victimId);
      const body = JSON.parse(text) as { marker: string | null };
      if (c.outcome === "own") {
        expect(body.marker).toBe("victim");
      } else {
        expect(body.marker).toBeNull();
        const setCookie = response.headers.get("set-cookie");
        if (setCookie) expect(idOf(setCookie)).not.toBe(victimId);
        expect(store.raw.get(`sess:${victimId}`)).toBe(before);
        if (c.noRead) expect(store.reads).toBe(0);
        if (c.oneRead) expect(store.reads).toBeLessThanOrEqual(1);
      }
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      await Promise.allSettled(pending);
    });
  }
});
