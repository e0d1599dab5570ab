import fs from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { Point } from "../pipeline/aggregate.js";
import type { Db } from "./database.js";
import { PointPacker, transferables, type PointBatch } from "./point-batch.js";
import { PointWriter, type WriteReport, type WriterContext } from "./writer.js";

export type WriterRequest =
  | { id: number; op: "append"; batch: PointBatch; at: number; ctx: WriterContext }
  | { id: number; op: "maintain"; now: number; ctx: WriterContext }
  | { id: number; op: "bound"; ctx: WriterContext }
  | { id: number; op: "close" };

export type WriterResponse = { id: number; report: WriteReport } | { id: number; error: string } | { id: number; held: number };

/** Where the store's points are written: on the hub's own connection, or on a thread with its own. */
export interface WriterPort {
  append(points: readonly Point[], at: number, ctx: WriterContext): Promise<WriteReport>;
  maintain(now: number, ctx: WriterContext): Promise<WriteReport>;
  bound(ctx: WriterContext): Promise<WriteReport>;
  /** Finishes what was asked and closes; returns how many points were still held in memory. */
  close(): Promise<number>;
}

/** On the hub's connection, synchronously: each call's work is done before it returns. */
export class InlineWriter implements WriterPort {
  readonly writer: PointWriter;
  constructor(db: Db, failing = false) {
    this.writer = new PointWriter(db, failing);
  }
  append(points: readonly Point[], at: number, ctx: WriterContext) {
    return Promise.resolve(this.writer.append(points, at, ctx));
  }
  maintain(now: number, ctx: WriterContext) {
    return Promise.resolve(this.writer.maintain(now, ctx));
  }
  bound(ctx: WriterContext) {
    return Promise.resolve(this.writer.bound(ctx));
  }
  close() {
    return Promise.resolve(this.writer.heldPoints);
  }
}

/**
 * The compiled thread script. Under the test runner this module is TypeScript source, which a
 * worker thread cannot load: it then runs the build's copy in dist/ (`npm test` builds first).
 */
function threadScript(): URL {
  const here = new URL("./writer-thread.js", import.meta.url);
  if (!import.meta.url.endsWith(".ts")) return here;
  const compiled = new URL(fileURLToPath(here).replace(/\/src\/store\/writer-thread\.js$/, "/dist/src/store/writer-thread.js"), "file:");
  if (!fs.existsSync(compiled)) throw new Error(`${fileURLToPath(compiled)} is missing: run \`npm run build\``);
  return compiled;
}

interface Pending {
  resolve: (r: WriteReport) => void;
  reject: (err: Error) => void;
  /** An append's points, kept until the thread answers, so a thread that dies loses none of them. */
  redo: (w: InlineWriter) => Promise<WriteReport>;
}

/**
 * On a worker thread with its own connection. Requests are answered in order. If the thread
 * dies, what it had not answered is written on the hub's connection instead (`onFailure`
 * supplies that writer), and so is everything after.
 */
export class ThreadWriter implements WriterPort {
  private readonly worker: Worker;
  private readonly packer = new PointPacker();
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private fallback: InlineWriter | undefined;
  private closing: Promise<number> | undefined;
  private closed: ((held: number) => void) | undefined;

  constructor(
    file: string,
    private readonly onFailure: (err: Error) => InlineWriter,
  ) {
    this.worker = new Worker(threadScript(), { workerData: { file } });
    this.worker.on("message", (res: WriterResponse) => this.answer(res));
    this.worker.on("error", (err) => this.failed(err));
    this.worker.on("exit", (code) => {
      if (!this.closing) this.failed(new Error(`the store's writer thread exited (${code})`));
    });
  }

  append(points: readonly Point[], at: number, ctx: WriterContext): Promise<WriteReport> {
    if (this.fallback) return this.fallback.append(points, at, ctx);
    const batch = this.packer.pack(points);
    return this.ask({ id: 0, op: "append", batch, at, ctx }, (w) => w.append(points, at, ctx), transferables(batch));
  }

  maintain(now: number, ctx: WriterContext): Promise<WriteReport> {
    if (this.fallback) return this.fallback.maintain(now, ctx);
    return this.ask({ id: 0, op: "maintain", now, ctx }, (w) => w.maintain(now, ctx));
  }

  bound(ctx: WriterContext): Promise<WriteReport> {
    if (this.fallback) return this.fallback.bound(ctx);
    return this.ask({ id: 0, op: "bound", ctx }, (w) => w.bound(ctx));
  }

  close(): Promise<number> {
    if (this.fallback) return this.fallback.close();
    this.closing ??= new Promise<number>((resolve) => {
      this.closed = resolve;
      this.worker.once("exit", () => resolve(0));
      this.worker.postMessage({ id: this.nextId++, op: "close" } satisfies WriterRequest);
    });
    return this.closing;
  }

  private ask(req: WriterRequest, redo: Pending["redo"], transfer: ArrayBuffer[] = []): Promise<WriteReport> {
    const id = this.nextId++;
    return new Promise<WriteReport>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, redo });
      this.worker.postMessage({ ...req, id }, transfer);
    });
  }

  private answer(res: WriterResponse): void {
    if ("held" in res) return this.closed?.(res.held);
    const p = this.pending.get(res.id);
    if (!p) return;
    this.pending.delete(res.id);
    if ("report" in res) p.resolve(res.report);
    else if ("error" in res) p.reject(new Error(res.error));
  }

  private failed(err: Error): void {
    if (this.fallback || this.closing) return;
    this.fallback = this.onFailure(err);
    const fallback = this.fallback;
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const p of waiting) p.redo(fallback).then(p.resolve, p.reject);
  }
}
