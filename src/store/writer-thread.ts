import { parentPort, workerData } from "node:worker_threads";
import { describeError } from "../kit/errors.js";
import { openDatabase } from "./database.js";
import { PointUnpacker } from "./point-batch.js";
import type { WriterRequest, WriterResponse } from "./writer-port.js";
import { PointWriter } from "./writer.js";

/**
 * The store's writer thread: its own SQLite connection to the same file (WAL lets the hub's
 * connection read beside it, https://www.sqlite.org/wal.html), so a flush's inserts, the bound
 * and retention never run on the event loop that serves MQTT and HTTP. Requests are handled one
 * at a time, in the order they were sent: flushes are written in order.
 */
const { file } = workerData as { file: string };
const db = openDatabase(file);
const writer = new PointWriter(db);
const unpacker = new PointUnpacker();
const port = parentPort!;

port.on("message", (req: WriterRequest) => {
  let res: WriterResponse;
  try {
    switch (req.op) {
      case "append":
        res = { id: req.id, report: writer.append(unpacker.unpack(req.batch), req.at, req.ctx) };
        break;
      case "maintain":
        res = { id: req.id, report: writer.maintain(req.now, req.ctx) };
        break;
      case "bound":
        res = { id: req.id, report: writer.bound(req.ctx) };
        break;
      case "close":
        db.close();
        res = { id: req.id, held: writer.heldPoints };
        port.postMessage(res);
        port.close();
        return;
    }
  } catch (err) {
    res = { id: req.id, error: describeError(err) };
  }
  port.postMessage(res);
});
