/**
 * unsession: HTTP sessions for every JavaScript runtime, on Web-standard `Request`/`Response`.
 *
 * ```ts
 * import { createSessions } from "unsession";
 * const sessions = createSessions<{ views?: number }>({ secret: "at-least-32-characters-of-secret!!" });
 * export default { fetch: sessions.wrap((request, session) => new Response(String(session.data.views ?? 0))) };
 * ```
 * @module
 */
export { createSessions } from "./manager.ts";
export { errorResponse } from "./wrap.ts";
export { hashId } from "./events.ts";
export { Session } from "./session.ts";
export type { CookieOverrides, SessionCookie } from "./session.ts";
export { UnsessionError, isStoreUnavailable, isUnsessionError } from "./errors.ts";
export type { UnsessionErrorCode } from "./errors.ts";
export { DEFAULT_IDLE_TIMEOUT, MIN_SECRET_LENGTH } from "./options.ts";
export type { ResolvedOptions, Secret, SessionOptions } from "./options.ts";
export { memoryStore } from "./stores/memory.ts";
export type { MemoryStore, MemoryStoreOptions } from "./stores/memory.ts";
export { storageStore } from "./stores/unstorage.ts";
export { expressStore, isExpressStore } from "./stores/express.ts";
export type { ExpressStoreLike, ExpressStoreOptions } from "./stores/express.ts";
export { redisStore } from "./stores/redis.ts";
export type { IoRedisLike, NodeRedisLike, RedisStore, RedisStoreOptions } from "./stores/redis.ts";
export { mergeRecord } from "./merge.ts";
export { cookieStore, MAX_COOKIE_SIZE } from "./stores/cookie.ts";
export type { CookieStore, CookieStoreOptions } from "./stores/cookie.ts";
export { encryptedStore } from "./stores/encrypted.ts";
export type { EncryptedStoreOptions } from "./stores/encrypted.ts";
export { createSealer, MIN_PASSWORD_LENGTH } from "./seal.ts";
export type { SealContext, SealPasswords, Sealer } from "./seal.ts";
export { sqlSchema, sqlStore } from "./stores/sql.ts";
export type { SqlDatabase, SqlStore, SqlStoreOptions } from "./stores/sql.ts";
export type { SessionHandler, Sessions, WrapOptions } from "./sessions.ts";
export type { CacheHeaders, CurrentCacheHeaders, HeaderValue, LoadOptions, RequestLike, UserSessionInfo } from "./types.ts";
export type { CookieOptions, ErrorContext, MaybePromise, MergePatch, RecordMeta, SameSite, SessionData, SessionEvent, SessionRecord, SessionStore, StorageLike, StoredCookie } from "./types.ts";
