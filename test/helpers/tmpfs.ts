import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/**
 * A real, small tmpfs (needs root, or CAP_SYS_ADMIN in a container): a disk that really fills
 * up, so SQLite meets ENOSPC the way it would on a full SD card.
 */
export class SmallDisk {
  readonly dir: string;
  private readonly filler: string;

  constructor(sizeBytes: number) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "hearth-disk-"));
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${sizeBytes}`, "tmpfs", this.dir]);
    this.filler = path.join(this.dir, "filler");
  }

  /** Writes a file until the disk refuses more. */
  fill(): void {
    const fd = fs.openSync(this.filler, "a");
    const chunk = Buffer.alloc(4096, 1);
    try {
      for (;;) fs.writeSync(fd, chunk);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOSPC") throw err;
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Gives the space back. */
  free(): void {
    fs.rmSync(this.filler, { force: true });
  }

  unmount(): void {
    execFileSync("umount", ["-l", this.dir]);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
