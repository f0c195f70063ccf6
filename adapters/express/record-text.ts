/**
 * The MemoryStore's touch on a record's JSON text: the stored record keeps its data and takes the cookie and the
 * idle deadline of the record a request built, as express-session's MemoryStore touch does, without parsing and
 * serialising the stored record on every unchanged request. Only the core's layout is edited
 * (`{"cookie":{…},<data>,"__unsession":{…}}`); anything else answers undefined and is handled by parsing.
 * @module
 */

/** Where the cookie object opens in a record of the core's layout (`{"cookie":` is 10 characters). */
const COOKIE_AT = 10;
const HEAD = '{"cookie":{';
/** The metadata's key at the record's top level (always after a comma there: the cookie comes first). */
const META = ',"__unsession":{';
const IDLE = /"i":\d+/;

/** Index just past the JSON object that opens at `from` (a `{`), strings skipped; -1 when it does not close. */
const objectEnd = (text: string, from: number): number => {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 92) i++;
        else if (d === 34) break;
      }
    } else if (c === 123) {
      depth++;
    } else if (c === 125 && --depth === 0) {
      return i + 1;
    }
  }
  return -1;
};

/** Start of the one metadata object of `text`, and the `"i":…` inside it; undefined unless there is exactly one. */
const metaOf = (text: string): { at: number; idle: RegExpExecArray } | undefined => {
  const at = text.indexOf(META);
  if (at === -1 || at !== text.lastIndexOf(META)) return undefined;
  const open = at + META.length - 1;
  const end = objectEnd(text, open);
  const idle = IDLE.exec(text.slice(open, end === -1 ? open : end));
  return idle === null ? undefined : { at, idle };
};

/**
 * `stored` with the cookie and the idle deadline (`__unsession.i`) of `record` (`stored` itself when the cookie is
 * the same), or undefined when either text is not in the core's layout with exactly one metadata object (then the
 * caller parses).
 */
export function movedCookieText(stored: string, record: string): string | undefined {
  if (!stored.startsWith(HEAD) || !record.startsWith(HEAD)) return undefined;
  const cookieEnd = objectEnd(record, COOKIE_AT);
  if (cookieEnd === -1) return undefined;
  // The same cookie (a browser-session cookie, or one whose expiry did not move): the text stays as it is, so that
  // the next read is of an unchanged record (the core's parse cache). The store expires records itself: its entry's
  // expiry is what the touch extends, and the idle deadline in the text is refreshed by the next write.
  if (stored.startsWith(record.slice(0, cookieEnd))) return stored;
  const storedCookieEnd = objectEnd(stored, COOKIE_AT);
  const storedMeta = metaOf(stored);
  const meta = metaOf(record);
  if (storedCookieEnd === -1 || storedMeta === undefined || meta === undefined) return undefined;
  const tail = stored.slice(storedMeta.at);
  return stored.slice(0, COOKIE_AT) + record.slice(COOKIE_AT, cookieEnd) + stored.slice(storedCookieEnd, storedMeta.at) + tail.replace(IDLE, meta.idle[0]);
}
