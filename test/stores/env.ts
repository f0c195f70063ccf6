/** Service URLs for store tests; a missing one skips its suite with a printed reason. */
import { describe, expect, it } from "vitest";
import type { ConformanceApi } from "../../src/testing.ts";

/** vitest's functions, for `runStoreConformance`. */
export const api: ConformanceApi = { describe, it, expect };

/** The URL in `name`, or undefined after printing why the suite that needs it is skipped. */
export function serviceUrl(name: "REDIS_URL" | "DATABASE_URL" | "MYSQL_URL"): string | undefined {
  const url = process.env[name];
  if (!url) console.warn(`[unsession tests] ${name} is not set: skipping the tests that need it (e.g. ${name}=${EXAMPLES[name]})`);
  return url || undefined;
}

const EXAMPLES = {
  REDIS_URL: "redis://127.0.0.1:6379",
  DATABASE_URL: "postgres://postgres@127.0.0.1:5432/test",
  MYSQL_URL: "mysql://root@127.0.0.1:3306/test",
} as const;

/** A prefix unique to one test run, so parallel runs on shared services never meet. */
export const runId: string = `${process.pid.toString(36)}${Date.now().toString(36)}`;
