/**
 * The embedded default store: in memory, expiring, bounded.
 * @module
 */
import type { SessionRecord, SessionStore } from "../types.ts";

/** Options of `memoryStore`. */
export interface MemoryStoreOptions {
  /** Most sessions kept; past it, the least recently written are evicted. @default 100000 */
  max?: number;
  /** Clock in ms, for tests. @default Date.now */
  now?: () => number;
}

/** A `SessionStore` in memory with TTL and LRU-by-write bound: it never grows past `max`, and expired entries are dropped as it is used. */
export interface MemoryStore extends SessionStore {
  get(id: string): string | null;
  set(id: string, record: string, ttl: number): void;
  delete(id: string): void;
  /** Number of records held (expired ones not yet swept included). */
  readonly size: number;
  /** Drops every record. */
  clear(): void;
}

/** Creates the embedded memory store. Reads are synchronous, so a session load needs no await. */
export function memoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  const max = options.max ?? 100_000;
  const now = options.now ?? Date.now;
  // Insertion order is write order: the front of the map holds the oldest writes, which expire first.
  const entries = new Map<string, { value: string; expires: number }>();

  const sweep = (t: number): void => {
    let checked = 0;
    for (const [key, entry] of entries) {
      if (entry.expires > t || ++checked > 8) break;
      entries.delete(key);
    }
  };

  return {
    get(id) {
      const entry = entries.get(id);
      if (!entry) return null;
      if (entry.expires <= now()) {
        entries.delete(id);
        return null;
      }
      return entry.value;
    },
    set(id, record, ttl) {
      const t = now();
      entries.delete(id);
      entries.set(id, { value: record, expires: t + ttl * 1000 });
      sweep(t);
      while (entries.size > max) entries.delete(entries.keys().next().value as string);
    },
    delete(id) {
      entries.delete(id);
    },
    get size() {
      return entries.size;
    },
    clear() {
      entries.clear();
    },
  };
}

export type { SessionRecord };
