/**
 * `createSessions()`: the factory that wires the manager's parts together — loading a session from a cookie
 * (`load.ts`), committing it (`commit.ts`), the lifecycle operations (`lifecycle.ts`), on what they share
 * (`internals.ts`) — and answers the public `Sessions` API.
 * @module
 */
import { createCommitter } from "./commit.ts";
import { createInternals } from "./internals.ts";
import { createLifecycle } from "./lifecycle.ts";
import { createLoader } from "./load.ts";
import { resolveOptions, type SessionOptions } from "./options.ts";
import { type Session, stateOf } from "./session.ts";
import type { Sessions } from "./sessions.ts";
import { resolveStore } from "./store-option.ts";
import { cookieSealingOf } from "./stores/cookie.ts";
import { encryptedStore } from "./stores/encrypted.ts";
import { UnsessionError } from "./errors.ts";
import { isPromise } from "./maybe.ts";
import type { ErrorContext, MaybePromise, SessionData, SessionStore } from "./types.ts";
import { createApplyCookie, wrapHandler } from "./wrap.ts";
import { cacheHeadersOf } from "./caching.ts";

/** What a cookie-only manager cannot do: it keeps no record to find, list or remove. */
const cookieOnly = (what: string): UnsessionError =>
  new UnsessionError("ERR_UNSUPPORTED", `${what} needs a server-side store: with cookieStore() sessions live only in their cookies (see docs/sealed.md)`);

/**
 * Creates the session manager: the one place where every session semantic lives.
 *
 * ```ts
 * const sessions = createSessions<{ views?: number }>({ secret: process.env.SESSION_SECRET });
 * Deno.serve(sessions.wrap((req, session) => {
 *   session.data.views = (session.data.views ?? 0) + 1;
 *   return new Response(`views: ${session.data.views}`);
 * }));
 * ```
 */
export function createSessions<D extends object = SessionData>(options: SessionOptions): Sessions<D> {
  const o = resolveOptions(options);
  const rawStore: SessionStore = resolveStore(options);
  // Records sealed at rest wrap the store once, here: every read and write of the core goes through it.
  const store = o.encrypt !== undefined && cookieSealingOf(rawStore) === undefined ? encryptedStore(rawStore, { password: o.encrypt }) : rawStore;
  const k = createInternals(o, store);
  const committer = createCommitter(k);
  const lifecycle = createLifecycle(k, committer);
  const loader = createLoader<D>(k, lifecycle);
  // Every failure of a load or a commit is reported once (store failures already were, where they happened).
  const reported = <A extends unknown[], R>(fn: (...args: A) => MaybePromise<R>, context: ErrorContext) => {
    const fail = (error: unknown): never => {
      if (error instanceof UnsessionError) k.report(error, context);
      throw error;
    };
    return (...args: A): MaybePromise<R> => {
      try {
        const result = fn(...args);
        return isPromise(result) ? result.then(undefined, fail) : result;
      } catch (error) {
        return fail(error);
      }
    };
  };
  const loadFast = reported(loader.loadFast, { source: "load" });
  const commitFast = reported(committer.commitFast as (session: Session<D>) => MaybePromise<string | null>, { source: "commit" });
  const applyCookie = createApplyCookie(o);

  async function commit(session: Session<D>): Promise<string | null>;
  async function commit(session: Session<D>, response: Response): Promise<Response>;
  async function commit(session: Session<D>, response?: Response): Promise<string | null | Response> {
    const setCookie = await commitFast(session);
    return response ? applyCookie(response, setCookie, session) : setCookie;
  }

  return {
    options: o,
    store: rawStore,
    load: async (input, extra) => loadFast(input, extra),
    loadFast,
    commit,
    commitFast,
    applyCookie,
    cacheHeaders: (session, setCookie, current = {}) => cacheHeadersOf(o, session, setCookie, current) ?? {},
    prepare: async (session) => k.sign(stateOf(session)),
    listUserSessions: async (userId, current) => {
      if (k.cookieMode) throw cookieOnly("listUserSessions");
      return k.users.list(userId, current ? stateOf(current).id || undefined : undefined);
    },
    async revokeUser(userId, revokeOptions) {
      if (k.cookieMode) throw cookieOnly("revokeUser");
      const except = revokeOptions?.except ? stateOf(revokeOptions.except).id || undefined : undefined;
      const count = await k.users.revoke(userId, except);
      k.emit("revoked", undefined, {});
      return count;
    },
    async revokeUserSession(userId, sid) {
      const done = await k.users.revokeOne(userId, sid);
      if (done) k.emit("revoked", undefined, {});
      return done;
    },
    report: (error, context) => k.report(error, context),
    wrap: (handler, wrapOptions) => wrapHandler({ loadFast, commitFast, applyCookie, report: k.report }, handler, wrapOptions),
  };
}
