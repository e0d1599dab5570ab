import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { SqlitePersistence } from "../../src/mqtt/persistence/sqlite.js";
import { runAbstractPersistenceSuite } from "../helpers/abstract-persistence.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hearth-broker-store-"));
let n = 0;

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("SQLite broker store: aedes-persistence's abstract suite", () => {
  runAbstractPersistenceSuite(() => new SqlitePersistence({ file: path.join(dir, `store-${++n}.db`) }));
});

describe("SQLite broker store: Hearth's additions", () => {
  const broker = { id: "hearth-test" };
  const packet = (n: number) => ({
    cmd: "publish",
    topic: "owntracks/jane/nokia",
    payload: Buffer.from(String(n)),
    qos: 1,
    retain: false,
    brokerId: broker.id,
    brokerCounter: n,
  });
  const drain = async (s: Readable) => (await s.toArray()).map((p: { payload: Buffer }) => p.payload.toString());

  it("keeps at most max_queued_messages for an offline session, counting the ones it drops, also after reopening", async () => {
    const file = path.join(dir, "queue-limit.db");
    const dropped: string[] = [];
    const open = async () => {
      const s = new SqlitePersistence({ file, maxQueuedMessages: 2, onQueueFull: (id) => dropped.push(id) });
      await s.setup(broker);
      return s;
    };
    let store = await open();
    const phone = { clientId: "jane-nokia" };
    for (const n of [1, 2, 3]) await store.outgoingEnqueueCombi([phone], packet(n));
    expect(dropped).toEqual(["jane-nokia"]);
    await store.destroy();

    store = await open();
    await store.outgoingEnqueueCombi([phone], packet(4));
    expect(dropped).toEqual(["jane-nokia", "jane-nokia"]);
    expect(await drain(store.outgoingStream({ id: "jane-nokia" }))).toEqual(["1", "2"]);
    await store.outgoingUpdate({ id: "jane-nokia" }, { ...packet(1), messageId: 7 });
    expect(await store.outgoingClearMessageId({ id: "jane-nokia" }, { messageId: 7 })).toMatchObject({ topic: "owntracks/jane/nokia", messageId: 7 });
    await store.outgoingEnqueueCombi([phone], packet(5));
    expect(await drain(store.outgoingStream({ id: "jane-nokia" }))).toEqual(["2", "5"]);
    await store.destroy();
  });

  it("refuses a store file written by a newer Hearth instead of misreading it", async () => {
    const file = path.join(dir, "newer.db");
    const db = new Database(file);
    db.pragma("user_version = 99");
    db.close();
    await expect(new SqlitePersistence({ file }).setup(broker)).rejects.toThrow(/written by a newer Hearth \(broker store version 99\)/);
  });
});
