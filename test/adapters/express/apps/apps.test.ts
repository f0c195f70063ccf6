/**
 * The tutorial apps that need no service (README counter on MemoryStore, passport 0.7 + connect-flash +
 * cookie-parser, session-file-store) run unchanged on unsession/express, Express 4 and 5, with express-session's
 * responses and records.
 * @module
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bodies, clearedByUs, expectSame, runEverywhere, type Transcripts } from "./differential.ts";
import { fileStoreApp } from "./file-store.ts";
import { memoryApp, memoryScript } from "./memory.ts";
import { passportApp, passportScript } from "./passport.ts";
import { loginScript } from "./site.ts";
import { RUN } from "./stack.ts";

const dir = mkdtempSync(join(tmpdir(), `unsession-apps-${RUN}-`));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("express-session's README view counter (MemoryStore, default resave/saveUninitialized, res.write)", () => {
  let t: Transcripts;
  beforeAll(async () => void (t = await runEverywhere((stack) => memoryApp(stack), memoryScript)));

  it("same responses on Express 4 and 5", () => {
    expect(bodies(expectSame(t, "responses"))).toEqual([
      "welcome to the session demo. refresh!",
      "<p>views: 2</p><p>expires in: 60s</p>",
      "<p>views: 3</p><p>expires in: 60s</p>",
      "<p>views: 4</p><p>expires in: 60s</p>",
      "Found. Redirecting to /",
      "welcome to the session demo. refresh!",
      "<p>views: 2</p><p>expires in: 60s</p>",
    ]);
    expect(clearedByUs(t, 4)).toEqual(["GET /reset"]);
  });

  it("same records in the MemoryStore", () => {
    expectSame(t, "records");
  });
});

describe("passport 0.7 + passport-local + connect-flash + cookieParser('keyboard cat') (MemoryStore)", () => {
  let t: Transcripts;
  beforeAll(async () => void (t = await runEverywhere((stack) => passportApp(stack), passportScript)));

  it("same responses on Express 4 and 5: failureFlash, req.login + flash after login, req.logout(cb)", () => {
    const seen = bodies(expectSame(t, "responses"));
    expect(seen).toContain("sign in [Incorrect username or password.]");
    expect(seen).toContain("signed in as ann [Welcome back, ann!]");
    expect(seen.at(-1)).toBe("views: 1");
    expect(clearedByUs(t, 5)).toEqual([]);
  });

  it("same records in the MemoryStore", () => {
    expectSame(t, "records");
  });
});

describe("session-file-store (resave and saveUninitialized true, logout by destroy)", () => {
  let t: Transcripts;
  beforeAll(async () => void (t = await runEverywhere((stack, label) => fileStoreApp(stack, join(dir, label)), loginScript)));

  it("same responses on Express 4 and 5", () => {
    expect(bodies(expectSame(t, "responses"))).toContain('hello, ann! <a href="/logout">Logout</a>');
    expect(clearedByUs(t, 5)).toEqual(["GET /logout"]);
  });

  it("same records in the session files", () => {
    expectSame(t, "records");
  });
});
