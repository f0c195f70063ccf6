/**
 * Counting a bench server's store writes: wraps the named methods of a store so that each call adds one to
 * `stats.writes` (read by the runner over IPC).
 * @module
 */
import type { Stats } from "./apps.ts";

/** Counts every call of `methods` on `target` (a store's writes) in `stats.writes`. */
export function countWrites(target: object, methods: readonly string[], stats: Stats): void {
  const object = target as Record<string, unknown>;
  for (const method of methods) {
    const original = (object[method] as (...args: unknown[]) => unknown).bind(object);
    object[method] = (...args: unknown[]) => {
      stats.writes++;
      return original(...args);
    };
  }
}
