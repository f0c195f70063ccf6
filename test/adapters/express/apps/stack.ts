/**
 * The two stacks the tutorial apps run on: the session module (`express-session` or `unsession/express`, the one
 * line an app changes) and the Express major (4 or 5), plus the services' URLs and a per-run name suffix.
 * @module
 */
import { createRequire } from "node:module";
import { randomBytes } from "node:crypto";
import ours from "../../../../adapters/express/index.ts";

const require = createRequire(import.meta.url);

/** Which session module an app imports. */
export type Impl = "express-session" | "unsession/express";
/** Which Express major an app runs on. */
export type Major = 4 | 5;

/** The session module an app written for express-session gets from its import. */
export const sessionModules: Record<Impl, any> = {
  "express-session": require("express-session"),
  "unsession/express": ours,
};

/** `require("express")` as the app sees it, for Express 4 (`express4` is npm:express@4) and 5. */
export const expressMajors: Record<Major, any> = { 4: require("express4"), 5: require("express") };

/** What a tutorial app factory gets: its `session` import and its `express` import. */
export interface Stack {
  impl: Impl;
  major: Major;
  session: any;
  express: any;
}

/** Every combination, express-session first for each major. */
export const stacks: Stack[] = ([4, 5] as const).flatMap((major) =>
  (["express-session", "unsession/express"] as const).map((impl) => ({ impl, major, session: sessionModules[impl], express: expressMajors[major] })),
);

/** A short name for a stack (`es4`, `un5`, …), for per-stack tables, prefixes and directories. */
export const labelOf = (stack: Stack): string => `${stack.impl === "express-session" ? "es" : "un"}${stack.major}`;

/** A built tutorial app: the Express app, its store (to read records through it) and how to release its resources. */
export interface BuiltApp {
  app: any;
  store: any;
  close(): Promise<void>;
}

/** Unique per test run, for key prefixes, table names and directories (parallel runs must not collide). */
export const RUN: string = `${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;

/** Service URLs; tests that need one skip with a printed reason when it is unset. */
export const env: Record<"REDIS_URL" | "DATABASE_URL" | "MYSQL_URL", string | undefined> = {
  REDIS_URL: process.env.REDIS_URL,
  DATABASE_URL: process.env.DATABASE_URL,
  MYSQL_URL: process.env.MYSQL_URL,
};

/** Prints why a describe block is skipped and returns whether it is. */
export function skipWithout(name: keyof typeof env, what: string): boolean {
  if (env[name]) return false;
  console.warn(`[express apps] ${name} is not set: the ${what} tests are skipped`);
  return true;
}
