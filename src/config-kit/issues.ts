import path from "node:path";
import leven from "leven";

/** One problem in a file, reported as `file:line:col: message`. */
export interface Issue {
  file: string;
  line: number;
  col: number;
  message: string;
}

/** Where something was written: a rule, an appliance, a monitor. Lets errors and `--explain` name the line. */
export interface SourceRef {
  file: string;
  line: number;
  col: number;
}

/** A value from a rules file, with where it was written. */
export type Sourced<T> = T & { source: SourceRef };

export const displayPath = (file: string): string => {
  if (!path.isAbsolute(file)) return file;
  const rel = path.relative(process.cwd(), file);
  return rel.startsWith("..") ? file : rel;
};

/** `file:line:col: message`; problems that come from the environment, not a file, have no position. */
export const formatIssue = (i: Issue): string =>
  i.line > 0 ? `${displayPath(i.file)}:${i.line}:${i.col}: ${i.message}` : `${displayPath(i.file)}: ${i.message}`;

export const formatSource = (s: SourceRef): string => `${displayPath(s.file)}:${s.line}:${s.col}`;

/** Orders issues by file, then position, so a long report reads top to bottom. */
export const sortIssues = (issues: Issue[]): Issue[] => [...issues].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col);

/** The closest candidate to a mistyped word, when one is close enough to be a likely typo. */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = leven(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  if (best === undefined) return undefined;
  const allowed = Math.max(1, Math.floor(word.length / 3));
  return bestDistance <= allowed || (bestDistance === 2 && sameLetters(word, best)) ? best : undefined;
}

/** Two swapped letters ("prot" for "port") cost 2 edits but are the commonest typo of all. */
const sameLetters = (a: string, b: string): boolean => [...a.toLowerCase()].sort().join("") === [...b.toLowerCase()].sort().join("");

export const suggestion = (word: string, candidates: Iterable<string>): string => {
  const match = didYouMean(word, candidates);
  return match ? ` (did you mean "${match}"?)` : "";
};
