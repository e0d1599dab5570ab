import fs from "node:fs";
import path from "node:path";

interface WatchOptions {
  /** Wait this long after the last change before reloading: an editor's save is several writes. */
  debounceMs?: number;
  /** Also compare modification times this often, for filesystems that do not deliver events (some network mounts). */
  pollMs?: number;
}

/**
 * Watches the configuration file and the rules directory and calls `onChange` once a burst of
 * changes has settled. Directories are watched rather than files, because editors and
 * `kubectl`-style mounts replace a file (rename over it) instead of writing into it.
 * Returns the function that stops watching.
 */
export function watchConfig(configFile: string, rulesDir: string, onChange: (what: string[]) => void, opts: WatchOptions = {}): () => void {
  const debounceMs = opts.debounceMs ?? 500;
  const pollMs = opts.pollMs ?? 5000;
  const configDir = path.dirname(path.resolve(configFile));
  const configName = path.basename(configFile);
  const relevant = (dir: string, name: string | null) =>
    name === null || (dir === configDir && name === configName) || (dir === path.resolve(rulesDir) && /\.ya?ml$/i.test(name));

  let timer: NodeJS.Timeout | undefined;
  const pending = new Set<string>();
  const changed = (file: string) => {
    pending.add(file);
    clearTimeout(timer);
    timer = setTimeout(() => {
      const what = [...pending].sort();
      pending.clear();
      // What is reloaded now is what the poll would see: it must not reload the same save again.
      last = fingerprint(configFile, rulesDir);
      onChange(what);
    }, debounceMs);
  };

  const watchers: fs.FSWatcher[] = [];
  for (const dir of new Set([configDir, path.resolve(rulesDir)])) {
    try {
      const w = fs.watch(dir, (_event, name) => {
        if (relevant(dir, name)) changed(name ? path.join(dir, name) : dir);
      });
      w.on("error", () => undefined);
      watchers.push(w);
    } catch {
      // The directory may not exist yet (a volume mounted later): polling still notices it.
    }
  }

  let last = fingerprint(configFile, rulesDir);
  const poll = setInterval(() => {
    const now = fingerprint(configFile, rulesDir);
    if (now !== last) {
      last = now;
      changed("(poll)");
    }
  }, pollMs);
  poll.unref();

  return () => {
    clearTimeout(timer);
    clearInterval(poll);
    for (const w of watchers) w.close();
  };
}

/** Names, sizes and modification times of everything that makes up the configuration. */
function fingerprint(configFile: string, rulesDir: string): string {
  const stamp = (file: string) => {
    try {
      const s = fs.statSync(file);
      return `${file}:${s.size}:${s.mtimeMs}`;
    } catch {
      return `${file}:missing`;
    }
  };
  let rules: string[];
  try {
    rules = fs
      .readdirSync(rulesDir)
      .filter((n) => /\.ya?ml$/i.test(n))
      .sort();
  } catch {
    rules = [];
  }
  return [stamp(configFile), ...rules.map((n) => stamp(path.join(rulesDir, n)))].join("|");
}
