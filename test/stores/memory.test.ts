import { createStorage } from "unstorage";
import memoryDriver from "unstorage/drivers/memory";
import { memoryStore } from "../../src/index.ts";
import { runStoreConformance } from "../../src/testing.ts";
import { api } from "./env.ts";

// The embedded default: one store object shared by every "instance" of the process.
const embedded = memoryStore({ max: 10_000 });
runStoreConformance("embedded memoryStore", { open: () => ({ store: embedded }), expiry: "store", atomicMerge: true, rounds: 10 }, api);

// unstorage's memory driver: no TTL, so the core's deadline check is the only expiry.
const storage = createStorage({ driver: memoryDriver() });
runStoreConformance("unstorage memory driver", { open: () => ({ storage }), expiry: "core" }, api);
