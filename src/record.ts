/**
 * Parsing and serialising stored records safely (express-session's record format).
 * @module
 */
import { UnsessionError } from "./errors.ts";
import type { SessionData, SessionRecord } from "./types.ts";

/**
 * Deepest nesting of session data that is stored, in levels. Serialising and parsing with a replacer or a
 * reviver recurse once per level and exhaust a small stack (workerd's, a worker thread's) around 2,000 levels;
 * no session needs a tenth of this limit. Deeper data is refused at commit (`ERR_SERIALIZE`), a deeper record
 * is corrupt on load (`ERR_STORE_DATA`).
 */
export const MAX_DEPTH = 64;
// A record's data keys sit at the record's own level, and its metadata is written within the same depth: any
// record that loads can be serialised again (the snapshot of `session.data`), and any record written loads.
const MAX_RECORD_DEPTH = MAX_DEPTH;

/** True when the text has more than `max` opening brackets, in strings or not: only then can it nest deeper. */
const opensMoreThan = (text: string, max: number): boolean => {
  let count = 0;
  for (let i = text.indexOf("{"); i !== -1; i = text.indexOf("{", i + 1)) if (++count > max) return true;
  for (let i = text.indexOf("["); i !== -1; i = text.indexOf("[", i + 1)) if (++count > max) return true;
  return false;
};

/** True when JSON text nests deeper than `max`: a scan, no recursion, run before any recursive parse. */
const nestsDeeper = (text: string, max: number): boolean => {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) {
      inString = true;
    } else if (c === 123 || c === 91) {
      if (++depth > max) return true;
    } else if (c === 125 || c === 93) {
      depth--;
    }
  }
  return false;
};

// Keys dropped while parsing: they could change prototypes when the data is later copied (A5 15.3.6).
const reviver = (key: string, value: unknown): unknown => {
  if (key === "__proto__") return undefined;
  if (key === "constructor" && value !== null && typeof value === "object" && "prototype" in value) return undefined;
  return value;
};

/**
 * What a store returned, as JSON text: a string as it is; an object (a driver or an express-session store that
 * parses for us) serialised, so that nothing is shared with the store and it is read like text. Throws `ERR_STORE_DATA`.
 */
export function recordText(raw: unknown): unknown {
  if (raw === null || typeof raw !== "object") return raw;
  try {
    return JSON.stringify(raw);
  } catch {
    throw new UnsessionError("ERR_STORE_DATA", "a stored session record cannot be read as JSON");
  }
}

/** A record's data: every key but the record's own two (`cookie`, `__unsession`), in a new object. */
export function dataOf(record: SessionRecord): SessionData {
  const data: SessionData = {};
  for (const key in record) if (key !== "cookie" && key !== "__unsession") data[key] = record[key];
  return data;
}

/** Parses what a store returned into a record, or throws `ERR_STORE_DATA`. */
export function parseRecord(raw: unknown): SessionRecord {
  let value: unknown = raw;
  if (typeof raw === "string") {
    if (raw.length > MAX_RECORD_DEPTH * 2 && opensMoreThan(raw, MAX_RECORD_DEPTH) && nestsDeeper(raw, MAX_RECORD_DEPTH)) {
      throw new UnsessionError("ERR_STORE_DATA", `a stored session record nests deeper than ${MAX_RECORD_DEPTH} levels`);
    }
    try {
      // A reviver makes JSON.parse several times slower: it is needed only when a key could be one it drops
      // (a key spelled with \u escapes contains "\u").
      value = raw.includes("__proto__") || raw.includes("constructor") || raw.includes("\\u") ? JSON.parse(raw, reviver) : JSON.parse(raw);
    } catch {
      throw new UnsessionError("ERR_STORE_DATA", "a stored session record is not valid JSON");
    }
  } else if (raw !== null && typeof raw === "object") {
    // A driver that returns objects (already parsed): copy through JSON so that nothing is shared or polluted.
    let text: string;
    try {
      text = JSON.stringify(raw);
    } catch {
      throw new UnsessionError("ERR_STORE_DATA", "a stored session record cannot be read as JSON");
    }
    if (nestsDeeper(text, MAX_RECORD_DEPTH)) {
      throw new UnsessionError("ERR_STORE_DATA", `a stored session record nests deeper than ${MAX_RECORD_DEPTH} levels`);
    }
    value = JSON.parse(text, reviver);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new UnsessionError("ERR_STORE_DATA", `a stored session record must be an object (got ${Array.isArray(value) ? "array" : typeof value})`);
  }
  const record = value as SessionRecord;
  const cookie = record.cookie as unknown;
  if (cookie === null || typeof cookie !== "object" || Array.isArray(cookie)) {
    throw new UnsessionError("ERR_STORE_DATA", "Cannot read properties of a stored session record: it has no cookie object");
  }
  const meta = record.__unsession as unknown;
  if (meta !== undefined && (meta === null || typeof meta !== "object" || typeof (meta as { c?: unknown }).c !== "number")) {
    throw new UnsessionError("ERR_STORE_DATA", "a stored session record has malformed unsession metadata");
  }
  return record;
}

// Only JSON's own shapes are accepted, so that a Map or a class instance is never saved as {} (checklist 31).
// The root may have any prototype (adapters expose data through their own session objects).
const replacer = function (this: unknown, key: string, value: unknown): unknown {
  if (key !== "" && value !== null && typeof value === "object" && !Array.isArray(value)) {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      throw new UnsessionError(
        "ERR_SERIALIZE",
        `session data must be JSON: a ${(proto?.constructor?.name as string | undefined) ?? "non-plain object"} cannot be stored (convert it, e.g. Object.fromEntries(map))`,
      );
    }
  }
  return value;
};

/**
 * True when every object below `value` is an array or a plain object without `toJSON`: then the replacer would
 * return every value unchanged, and JSON.stringify without it (several times faster) gives the same text.
 * Deep or cyclic data answers false and takes the replacer path, which reports cycles.
 */
const plainBelow = (value: object, depth: number): boolean => {
  if (depth > 16) return false;
  const values: unknown[] = Array.isArray(value) ? value : Object.values(value);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || typeof v !== "object") continue;
    if (!Array.isArray(v)) {
      const proto = Object.getPrototypeOf(v);
      if ((proto !== Object.prototype && proto !== null) || typeof (v as { toJSON?: unknown }).toJSON === "function") return false;
    }
    if (!plainBelow(v, depth + 1)) return false;
  }
  return true;
};

const childrenOf = (value: object): unknown[] =>
  Array.isArray(value) ? value : typeof (value as { toJSON?: unknown }).toJSON === "function" ? [] : Object.values(value);

/** Refuses cycles and data deeper than `MAX_DEPTH` before a recursive stringify meets them: an explicit stack, no recursion. */
const checkShape = (root: object, limit: number): void => {
  const path = new Set<object>([root]);
  const stack: [object, unknown[], number][] = [[root, childrenOf(root), 0]];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top[2] >= top[1].length) {
      path.delete(top[0]);
      stack.pop();
      continue;
    }
    const child = top[1][top[2]++];
    if (child === null || typeof child !== "object") continue;
    if (path.has(child)) throw new UnsessionError("ERR_SERIALIZE", "session data must be JSON: it contains a cycle");
    if (stack.length >= limit) throw new UnsessionError("ERR_SERIALIZE", `session data nests deeper than ${MAX_DEPTH} levels`);
    path.add(child);
    stack.push([child, childrenOf(child), 0]);
  }
};

/** JSON of session data or a record; throws `ERR_SERIALIZE` for BigInt, cycles, Map, Set, class instances and nesting past `limit` levels. */
export function stringify(value: unknown, limit: number = MAX_DEPTH): string {
  try {
    if (value !== null && typeof value === "object") {
      // A root with toJSON (the Express adapter's req.session gives its data that way): JSON.stringify would call it
      // once with the key "" and serialise what it returns, so plain data from it takes the fast path too.
      const toJSON = (value as { toJSON?: unknown }).toJSON;
      const root = typeof toJSON === "function" ? (toJSON.call(value, "") as unknown) : value;
      if (root !== null && typeof root === "object" && typeof (root as { toJSON?: unknown }).toJSON !== "function" && plainBelow(root, 0)) {
        return JSON.stringify(root);
      }
    }
    if (value !== null && typeof value === "object") checkShape(value, limit);
    return JSON.stringify(value, replacer);
  } catch (error) {
    if (error instanceof UnsessionError) throw error;
    throw new UnsessionError("ERR_SERIALIZE", `session data cannot be serialised to JSON: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * True when `a` is, value for value, the JSON value `b` (a parse never handed out): plain objects (keys in any
 * order), arrays and primitives (`===`). Anything JSON would write differently (a Date, a Map, `undefined`, NaN,
 * a hole, a class instance) answers false. Recurses no deeper than `b`, which came from a bounded parse.
 */
export const sameJson = (a: unknown, b: unknown): boolean => {
  if (a === null || typeof a !== "object" || b === null || typeof b !== "object") return a === b;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!(i in a) || !sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b) || Object.getPrototypeOf(a) !== Object.prototype) return false;
  let count = 0;
  for (const key in a) {
    if (!Object.prototype.hasOwnProperty.call(b, key) || !sameJson((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) return false;
    count++;
  }
  for (const _ in b) count--;
  return count === 0;
};

/** True for an object with no own enumerable keys (a new session's data): its JSON is `{}` without serialising. */
export function isEmptyObject(value: object): boolean {
  for (const key in value) if (Object.prototype.hasOwnProperty.call(value, key)) return false;
  return true;
}
