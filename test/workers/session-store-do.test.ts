/**
 * `SessionStoreDO`'s own logic on Node, with an in-memory stand-in for Durable Object storage and a
 * controlled clock: expiry on read, alarm scheduling and the alarm's sweep (paged, in batches).
 * Its behaviour inside workerd is covered by durable-object.test.ts and stores.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { SessionStoreDO, type DurableObjectStateLike } from "../../adapters/cloudflare.ts";

class FakeStorage {
  readonly data = new Map<string, unknown>();
  alarm: number | null = null;
  deleteBatches: number[] = [];
  async get<T>(key: string): Promise<T | undefined> {
    return structuredClone(this.data.get(key)) as T | undefined;
  }
  async put<T>(key: string, value: T): Promise<void> {
    this.data.set(key, structuredClone(value));
  }
  async delete(key: string | string[]): Promise<boolean | number> {
    if (typeof key === "string") return this.data.delete(key);
    if (key.length > 128) throw new Error("at most 128 keys per delete");
    this.deleteBatches.push(key.length);
    return key.filter((k) => this.data.delete(k)).length;
  }
  async list<T>(options: { startAfter?: string; limit?: number } = {}): Promise<Map<string, T>> {
    const keys = [...this.data.keys()].sort().filter((k) => options.startAfter === undefined || k > options.startAfter);
    return new Map(keys.slice(0, options.limit ?? keys.length).map((k) => [k, structuredClone(this.data.get(k)) as T]));
  }
  async getAlarm(): Promise<number | null> {
    return this.alarm;
  }
  async setAlarm(time: number): Promise<void> {
    this.alarm = time;
  }
}

const T0 = Date.UTC(2026, 0, 1);
let storage: FakeStorage;
let object: SessionStoreDO;

const send = (method: string, query: string, body?: string) => object.fetch(new Request(`https://unsession.store/?${query}`, { method, body }));

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(T0);
  storage = new FakeStorage();
  object = new SessionStoreDO({ storage } as unknown as DurableObjectStateLike);
});
afterEach(() => vi.useRealTimers());

describe("SessionStoreDO", () => {
  it("stores, reads and deletes a record", async () => {
    expect((await send("PUT", "key=sess:a&ttl=60", "record-a")).status).toBe(204);
    const got = await send("GET", "key=sess:a");
    expect(got.status).toBe(200);
    expect(await got.text()).toBe("record-a");
    expect((await send("DELETE", "key=sess:a")).status).toBe(204);
    expect((await send("GET", "key=sess:a")).status).toBe(404);
    expect((await send("DELETE", "key=sess:a")).status, "deleting a missing key is no error").toBe(204);
  });

  it("treats a record past its TTL as missing, and removes it", async () => {
    await send("PUT", "key=sess:a&ttl=60", "record-a");
    vi.setSystemTime(T0 + 59_999);
    expect((await send("GET", "key=sess:a")).status).toBe(200);
    vi.setSystemTime(T0 + 60_000);
    expect((await send("GET", "key=sess:a")).status).toBe(404);
    expect(storage.data.has("sess:a")).toBe(false);
  });

  it("keeps its alarm at the earliest expiry", async () => {
    await send("PUT", "key=sess:a&ttl=600", "a");
    expect(storage.alarm).toBe(T0 + 600_000);
    await send("PUT", "key=sess:b&ttl=60", "b");
    expect(storage.alarm).toBe(T0 + 60_000);
    await send("PUT", "key=sess:c&ttl=6000", "c");
    expect(storage.alarm).toBe(T0 + 60_000);
  });

  it("sweeps expired records when the alarm fires and schedules the next expiry", async () => {
    for (let i = 0; i < 300; i++) await send("PUT", `key=sess:${String(i).padStart(3, "0")}&ttl=${i % 3 === 0 ? 600 : 60}`, `r${i}`);
    vi.setSystemTime(T0 + 61_000);
    await object.alarm();
    expect(storage.data.size).toBe(100);
    expect([...storage.data.keys()].every((k) => Number(k.slice(5)) % 3 === 0)).toBe(true);
    expect(Math.max(...storage.deleteBatches)).toBeLessThanOrEqual(128);
    expect(storage.alarm).toBe(T0 + 600_000);
    vi.setSystemTime(T0 + 600_000);
    await object.alarm();
    expect(storage.data.size).toBe(0);
  });

  it("refuses a write without a positive TTL, a missing key and other methods", async () => {
    expect((await send("PUT", "key=sess:a&ttl=0", "x")).status).toBe(400);
    expect((await send("PUT", "key=sess:a", "x")).status).toBe(400);
    expect((await send("GET", "")).status).toBe(400);
    expect((await send("POST", "key=sess:a", "x")).status).toBe(405);
    expect(storage.data.size).toBe(0);
  });
  it("PATCH merges a patch into the stored record, never into a missing or expired one", async () => {
    const patch = (body: unknown, ttl = 60) => send("PATCH", `key=sess:m&ttl=${ttl}`, JSON.stringify(body));
    expect((await patch({ set: { a: "1" }, unset: [] })).status).toBe(404);
    expect(storage.data.has("sess:m")).toBe(false);
    await send("PUT", "key=sess:m&ttl=60", '{"cookie":{},"a":1,"b":2}');
    const merged = await patch({ set: { a: "3", c: "[]" }, unset: ["b"] }, 120);
    expect(merged.status).toBe(200);
    expect(await merged.text()).toBe('{"cookie":{},"a":3,"c":[]}');
    expect(storage.data.get("sess:m")).toEqual({ v: '{"cookie":{},"a":3,"c":[]}', e: T0 + 120_000 });
    vi.setSystemTime(T0 + 121_000);
    expect((await patch({ set: { a: "4" }, unset: [] })).status, "expired").toBe(404);
    expect((await patch({ set: { n: "1" }, unset: [], create: true })).status).toBe(200);
    expect((await send("PATCH", "key=sess:m&ttl=60", "not json")).status).toBe(400);
    expect((await send("PATCH", "key=sess:m&ttl=60", '{"set":{}}')).status).toBe(400);
    expect((await patch({ set: {}, unset: [] }, 0)).status).toBe(400);
  });
});
