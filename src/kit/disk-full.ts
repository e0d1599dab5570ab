/**
 * Whether an error means the disk is full: ENOSPC from Node's fs, SQLITE_FULL, or an SQLite I/O
 * error (creating WAL's -shm file or extending a file on a full disk gives SQLITE_IOERR_*).
 * https://www.sqlite.org/rescode.html
 */
export function outOfSpace(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && (code === "ENOSPC" || code === "SQLITE_FULL" || code.startsWith("SQLITE_IOERR"));
}
