/**
 * MQTT topic names and filters as MQTT 3.1.1 §4.7 defines them: '/' separates levels, '+'
 * matches exactly one level, '#' (last) matches the parent and everything below it, and a
 * wildcard in the first level never matches a topic that starts with '$' [MQTT-4.7.2-1].
 * Pure functions, shared by the ACL, the bridges and the broker's store.
 */

/** What is wrong with a topic filter, or [] when it is a valid MQTT filter. */
export function filterProblems(filter: string): string[] {
  if (filter.length === 0) return ["a topic filter cannot be empty"]; // [MQTT-4.7.3-1]
  if (filter.includes("\u0000")) return ["a topic filter cannot contain the null character"]; // [MQTT-4.7.3-2]
  const problems: string[] = [];
  const levels = filter.split("/");
  levels.forEach((level, i) => {
    if (level === "#" && i !== levels.length - 1)
      problems.push(`"${filter}": '#' is only allowed as the last level`); // [MQTT-4.7.1-2]
    else if (level.length > 1 && (level.includes("+") || level.includes("#")))
      problems.push(`"${filter}": '+' and '#' must fill a whole level, as in "tele/+/SENSOR"`);
  });
  return problems;
}

export const levelsOf = (topicOrFilter: string): string[] => topicOrFilter.split("/");

const isWildcard = (level: string | undefined) => level === "+" || level === "#";
const isDollar = (level: string | undefined) => level !== undefined && level.startsWith("$");

/** Does the filter (split into levels) match the topic (split into levels)? */
export function levelsMatch(filter: readonly string[], topic: readonly string[]): boolean {
  if (isDollar(topic[0]) && isWildcard(filter[0])) return false; // [MQTT-4.7.2-1]
  for (let i = 0; i < filter.length; i++) {
    const f = filter[i];
    if (f === "#") return true; // also matches the parent level: "a/#" matches "a" [MQTT-4.7.1-2]
    if (i >= topic.length) return false;
    if (f !== "+" && f !== topic[i]) return false;
  }
  return filter.length === topic.length;
}

/**
 * Does `outer` match every topic that `inner` matches? This is how a subscription is checked
 * against an ACL pattern: granting `tele/#` allows a subscription to `tele/+/SENSOR`, but
 * granting `tele/+/SENSOR` does not allow `tele/#`.
 */
export function levelsCover(outer: readonly string[], inner: readonly string[]): boolean {
  if (isDollar(inner[0]) && isWildcard(outer[0])) return false;
  for (let i = 0; i < outer.length; i++) {
    const o = outer[i];
    if (o === "#") return true;
    if (i >= inner.length) return false;
    const n = inner[i]!;
    if (n === "#") return false;
    if (o === "+") continue;
    if (n === "+" || o !== n) return false;
  }
  return outer.length === inner.length;
}

/**
 * The literal levels of a filter before its first wildcard, joined: every topic the filter
 * matches starts with this text ("a/#" gives "a", which also starts the parent topic "a").
 */
export function literalPrefix(filter: string): string {
  const levels = levelsOf(filter);
  const i = levels.findIndex(isWildcard);
  return i < 0 ? filter : levels.slice(0, i).join("/");
}
