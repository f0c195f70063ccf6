/**
 * Atomic merge on JSON text: applies a `MergePatch` to a stored record's top-level keys without parsing or
 * re-serialising the values it keeps (numbers, escapes and key order stay byte for byte). The memory, SQL and
 * Durable Object stores run it inside their atomic step; the Redis store runs the same walk as a Lua script.
 * @module
 */
import { UnsessionError } from "./errors.ts";
import { dataOf, parseRecord, stringify } from "./record.ts";
import type { MergePatch } from "./types.ts";

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

const malformed = (): never => {
  throw new UnsessionError("ERR_STORE_DATA", "a stored record cannot be merged: it is not a JSON object");
};

/** Index just past the JSON string that starts (with its quote) at `i`. */
function endOfString(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === 0x5c) j++;
    else if (c === 0x22) return j + 1;
  }
  return malformed();
}

/** Index just past the JSON value that starts at `i`. */
function endOfValue(text: string, i: number): number {
  const first = text.charCodeAt(i);
  if (first === 0x22) return endOfString(text, i);
  if (first === 0x7b || first === 0x5b) {
    let depth = 0;
    for (let j = i; j < text.length; j++) {
      const c = text.charCodeAt(j);
      if (c === 0x22) j = endOfString(text, j) - 1;
      else if (c === 0x7b || c === 0x5b) depth++;
      else if (c === 0x7d || c === 0x5d) {
        if (--depth === 0) return j + 1;
      }
    }
    return malformed();
  }
  let j = i;
  while (j < text.length && !WS.has(text.charCodeAt(j)) && text[j] !== "," && text[j] !== "}") j++;
  return j > i ? j : malformed();
}

function skip(text: string, i: number): number {
  while (i < text.length && WS.has(text.charCodeAt(i))) i++;
  return i;
}

/** The top-level members of a JSON object text, as [raw key with its quotes, raw value] pairs. */
export function topLevelMembers(text: string): [string, string][] {
  const members: [string, string][] = [];
  let i = skip(text, 0);
  if (text[i] !== "{") malformed();
  i = skip(text, i + 1);
  if (text[i] === "}") return members;
  for (;;) {
    if (text[i] !== '"') malformed();
    const keyEnd = endOfString(text, i);
    const key = text.slice(i, keyEnd);
    i = skip(text, keyEnd);
    if (text[i] !== ":") malformed();
    i = skip(text, i + 1);
    const valueEnd = endOfValue(text, i);
    members.push([key, text.slice(i, valueEnd)]);
    i = skip(text, valueEnd);
    if (text[i] === ",") i = skip(text, i + 1);
    else if (text[i] === "}") return members;
    else malformed();
  }
}

/**
 * Applies `patch` to the record text `current` and returns the new text; `null` when `current` is missing and
 * `patch.create` is not set (a missing session is never recreated). Keys are compared as `JSON.stringify` writes
 * them, which is how every record of this library and of express-session is written.
 *
 * For your own store's `merge`: read the record, call this, write the result, all inside one transaction.
 */
export function mergeRecord(current: string | null | undefined, patch: MergePatch): string | null {
  if (current === null || current === undefined) {
    if (!patch.create) return null;
    current = "{}";
  }
  const set = new Map<string, string>();
  for (const key of Object.keys(patch.set)) set.set(JSON.stringify(key), patch.set[key]!);
  const unset = new Set(patch.unset.map((key) => JSON.stringify(key)));
  const out: string[] = [];
  for (const [key, value] of topLevelMembers(current)) {
    if (unset.has(key)) continue;
    const next = set.get(key);
    if (next === undefined) {
      out.push(`${key}:${value}`);
    } else {
      out.push(`${key}:${next}`);
      set.delete(key);
    }
  }
  for (const [key, value] of set) out.push(`${key}:${value}`);
  return `{${out.join(",")}}`;
}

const own = (obj: object, key: string): boolean => Object.prototype.hasOwnProperty.call(obj, key);

/**
 * @internal The patch of a merge commit: the top-level keys of `data` whose JSON differs from `base` (the JSON of
 * each key as loaded), the keys of `base` that `data` no longer has, and the record's `cookie` and `__unsession`
 * taken from `head` (the JSON of a record with no data, as a full write would store them).
 */
export function commitPatch(data: Record<string, unknown>, base: Record<string, string | undefined>, head: string): MergePatch {
  const { cookie, __unsession } = JSON.parse(head) as { cookie: unknown; __unsession: unknown };
  const patch: MergePatch = { set: { cookie: JSON.stringify(cookie), __unsession: JSON.stringify(__unsession) }, unset: [] };
  for (const key of Object.keys(data)) {
    const json = stringify(data[key]) as string | undefined;
    if (json === undefined) {
      if (base[key] !== undefined) patch.unset.push(key);
    } else if (json !== base[key]) patch.set[key] = json;
  }
  for (const key of Object.keys(base)) if (!own(data, key) && base[key] !== undefined) patch.unset.push(key);
  return patch;
}

/** @internal Makes `data` (in place) the data of the merged record: this request's changes plus everyone else's. */
export function adoptMerged(data: Record<string, unknown>, merged: string): void {
  const stored = dataOf(parseRecord(merged));
  for (const key of Object.keys(data)) if (!own(stored, key)) delete data[key];
  Object.assign(data, stored);
}
