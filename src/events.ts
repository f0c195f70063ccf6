/**
 * Lifecycle events (checklist 37): delivered with hashed IDs only.
 * @module
 */
import { subtle } from "uncrypto";
import type { SessionEvent } from "./types.ts";

/** @internal Emits an event about `id` (hashed before delivery). */
export type Emit = (type: SessionEvent["type"], id?: string, extra?: Partial<SessionEvent>) => void;

/** @internal An emitter for `onEvent`; a no-op without one. Hashing is asynchronous, so delivery is too. */
export function createEmitter(onEvent: ((event: SessionEvent) => void) | undefined): Emit {
  return (type, id, extra = {}) => {
    if (!onEvent) return;
    const time = Date.now();
    const deliver = (sid?: string, previousSid?: string) => {
      try {
        onEvent({ type, time, ...extra, ...(sid ? { sid } : {}), ...(previousSid ? { previousSid } : {}) });
      } catch {
        // A failing hook must not fail the request.
      }
    };
    const prev = extra.previousSid;
    void Promise.all([id ? hashId(id) : undefined, prev ? hashId(prev) : undefined]).then(([a, b]) => deliver(a, b));
  };
}

const hashCache = new Map<string, string>();
/** Hex SHA-256 prefix of an ID, for logs and events: never the ID itself. */
export async function hashId(id: string): Promise<string> {
  const hit = hashCache.get(id);
  if (hit) return hit;
  const digest = new Uint8Array(await subtle.digest("SHA-256", new TextEncoder().encode(id)));
  let hex = "";
  for (let i = 0; i < 8; i++) hex += digest[i]!.toString(16).padStart(2, "0");
  if (hashCache.size > 1000) hashCache.clear();
  hashCache.set(id, hex);
  return hex;
}
