/**
 * Test helpers shared by the core, adapter and store suites: a spying unstorage `Storage`,
 * request builders and cookie helpers. Keep these signatures stable: other suites import them.
 * @module
 */
import { createStorage, type Storage } from "unstorage";
import memoryDriver from "unstorage/drivers/memory";

/** A secret of the minimum length and a second one, for rotation tests. */
export const SECRET = "test-secret-0123456789-abcdefghijklmnop";
export const SECRET_2 = "second-secret-0123456789-abcdefghijklm";
export const SECRET_OLD = "retired-secret-0123456789-abcdefghijkl";

/** One recorded storage call. */
export interface StorageCall {
  op: "getItemRaw" | "setItemRaw" | "removeItem";
  key: string;
  value?: unknown;
  ttl?: number;
}

/** Counts of storage operations since the last `reset()`. */
export interface StorageCounts {
  reads: number;
  writes: number;
  removes: number;
  /** reads + writes + removes */
  total: number;
}

/** An unstorage memory `Storage` (no TTL: it keeps records forever) whose raw I/O is counted. */
export interface SpyStorage {
  /** Pass as `createSessions({ storage })`. */
  storage: Storage;
  /** Every call, in order. */
  calls: StorageCall[];
  /** Counts since the last `reset()`. */
  counts(): StorageCounts;
  /** Forgets the recorded calls (not the data). */
  reset(): void;
  /** The raw stored value of a key, bypassing the spy. */
  raw(key: string): Promise<unknown>;
  /** Writes a raw value, bypassing the spy. */
  put(key: string, value: unknown): Promise<void>;
  /** Keys held, bypassing the spy. */
  keys(): Promise<string[]>;
  /** Makes the next calls of one kind fail with `error`, or hang forever with `"hang"`; `undefined` restores. */
  failOn(op: "read" | "write", error: Error | "hang" | undefined): void;
}

/** Wraps an unstorage memory storage and counts `getItemRaw` / `setItemRaw` / `removeItem`. */
export function spyStorage(): SpyStorage {
  const inner = createStorage({ driver: memoryDriver() });
  const calls: StorageCall[] = [];
  const faults: { read?: Error | "hang"; write?: Error | "hang" } = {};
  const fault = (kind: "read" | "write"): Promise<never> | undefined => {
    const f = faults[kind];
    if (f === undefined) return undefined;
    if (f === "hang") return new Promise<never>(() => {});
    return Promise.reject(f);
  };
  const storage = new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === "getItemRaw") {
        return (key: string, opts?: unknown) => {
          calls.push({ op: "getItemRaw", key });
          return fault("read") ?? target.getItemRaw(key, opts as never);
        };
      }
      if (prop === "setItemRaw") {
        return (key: string, value: unknown, opts?: { ttl?: number }) => {
          calls.push({ op: "setItemRaw", key, value, ttl: opts?.ttl });
          return fault("write") ?? target.setItemRaw(key, value, opts as never);
        };
      }
      if (prop === "removeItem") {
        return (key: string, opts?: unknown) => {
          calls.push({ op: "removeItem", key });
          return fault("write") ?? target.removeItem(key, opts as never);
        };
      }
      return Reflect.get(target, prop, receiver);
    },
  }) as Storage;
  const counts = (): StorageCounts => {
    const reads = calls.filter((c) => c.op === "getItemRaw").length;
    const writes = calls.filter((c) => c.op === "setItemRaw").length;
    const removes = calls.filter((c) => c.op === "removeItem").length;
    return { reads, writes, removes, total: reads + writes + removes };
  };
  return {
    storage,
    calls,
    counts,
    reset: () => void calls.splice(0),
    raw: (key) => inner.getItemRaw(key),
    put: (key, value) => inner.setItemRaw(key, value),
    keys: () => inner.getKeys(),
    failOn(op, error) {
      faults[op] = error;
    },
  };
}

/** A GET request to 127.0.0.1 with an optional `Cookie` header and extra headers. */
export function request(cookie?: string | null, init: { url?: string; headers?: Record<string, string> } = {}): Request {
  const headers = new Headers(init.headers);
  if (cookie) headers.set("cookie", cookie);
  return new Request(init.url ?? "http://127.0.0.1/", { headers });
}

/** The `name=value` pair of a `Set-Cookie` value (what a browser sends back), or `null`. */
export function cookiePair(setCookie: string | null | undefined): string | null {
  if (!setCookie) return null;
  return setCookie.split(";")[0]!.trim();
}

/** The decoded value of a `Set-Cookie` (`s:<id>.<mac>`), or `null`. */
export function cookieValue(setCookie: string | null | undefined): string | null {
  const pair = cookiePair(setCookie);
  if (pair === null) return null;
  return decodeURIComponent(pair.slice(pair.indexOf("=") + 1));
}

/** The session ID inside a signed cookie value or `Set-Cookie`, or `null`. */
export function idOf(setCookie: string | null | undefined): string | null {
  const value = cookieValue(setCookie);
  if (!value || !value.startsWith("s:")) return null;
  return value.slice(2, value.lastIndexOf("."));
}

/** One attribute of a `Set-Cookie` (case-insensitive name): its value, `true` for a flag, `undefined` when absent. */
export function attribute(setCookie: string, name: string): string | true | undefined {
  for (const part of setCookie.split(";").slice(1)) {
    const [k, ...v] = part.trim().split("=");
    if (k!.toLowerCase() === name.toLowerCase()) return v.length ? v.join("=") : true;
  }
  return undefined;
}
