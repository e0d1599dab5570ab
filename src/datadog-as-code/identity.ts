/**
 * How Hearth recognises what it made in Datadog. Monitors carry tags; dashboards and downtimes
 * cannot (a dashboard's `tags` are team names only, SPECv1 `Dashboard.tags`; a v2 downtime has
 * no tags at all, SPECv2 `DowntimeCreateRequestAttributes`), so they carry the same two words on
 * the last line of their description or message. Anything without them is never touched.
 */

export type Kind = "dashboard" | "monitor" | "downtime";

export const MANAGED_TAG = "managed-by:hearth";

/** A name as a tag value: Datadog tags hold no spaces (https://docs.datadoghq.com/getting_started/tagging/). */
export const tagSafe = (name: string): string => name.toLowerCase().replace(/[^a-z0-9_./-]+/g, "_");

export const keyOf = (kind: Kind, name: string): string => `${kind}/${tagSafe(name)}`;

export const idTag = (key: string): string => `hearth-id:${key}`;

/** The line appended to a dashboard's description or a downtime's message. */
export const markerLine = (key: string): string => `${MANAGED_TAG} ${idTag(key)}`;

/** The key in a text that carries the marker line, else undefined. */
export function keyInText(text: string | null | undefined): string | undefined {
  if (!text || !text.includes(MANAGED_TAG)) return undefined;
  return /hearth-id:(\S+)/.exec(text)?.[1];
}

/** The key among a monitor's tags, when it is managed. */
export function keyInTags(tags: readonly string[] | undefined): string | undefined {
  if (!tags?.includes(MANAGED_TAG)) return undefined;
  return tags.find((t) => t.startsWith("hearth-id:"))?.slice("hearth-id:".length);
}
