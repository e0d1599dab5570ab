import path from "node:path";
import Database from "better-sqlite3";

/** Rows of a query on the local store of the hub whose directory is `dir`, read the way any SQLite client would. */
export function queryStore<T>(dir: string, sql: string): T[] {
  const db = new Database(path.join(dir, "data", "hearth.db"), { readonly: true });
  try {
    return db.prepare<[], T>(sql).all();
  } finally {
    db.close();
  }
}
