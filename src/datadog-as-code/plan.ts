import { formatSource } from "../config-kit/issues.js";
import type { DesiredObject } from "./desired.js";
import { diffFields, type FieldChange } from "./diff.js";
import type { RemoteObject } from "./remote.js";

type Action =
  | { type: "create"; want: DesiredObject }
  | { type: "update"; want: DesiredObject; have: RemoteObject; changes: FieldChange[] }
  | { type: "delete"; have: RemoteObject };

export interface Plan {
  actions: Action[];
  unchanged: { want: DesiredObject; have: RemoteObject }[];
  /** Managed objects whose rule is gone, kept because --prune was not given. */
  kept: RemoteObject[];
}

/** What apply would do: like `terraform plan`, but over the objects that carry Hearth's marker only. */
export function makePlan(desired: readonly DesiredObject[], remote: readonly RemoteObject[], prune: boolean): Plan {
  const byKey = new Map<string, RemoteObject[]>();
  for (const r of remote) byKey.set(r.key, [...(byKey.get(r.key) ?? []), r]);
  const plan: Plan = { actions: [], unchanged: [], kept: [] };
  for (const want of desired) {
    const [have, ...extra] = byKey.get(want.key) ?? [];
    byKey.delete(want.key);
    // Two objects with one key (an apply cut short, a copy made by hand with the tags): the first is kept, the rest are orphans.
    for (const e of extra) {
      if (prune) plan.actions.push({ type: "delete", have: e });
      else plan.kept.push(e);
    }
    if (!have) plan.actions.push({ type: "create", want });
    else {
      const changes = diffFields(have.body, want.body);
      if (changes.length) plan.actions.push({ type: "update", want, have, changes });
      else plan.unchanged.push({ want, have });
    }
  }
  for (const orphans of byKey.values()) {
    for (const have of orphans) {
      if (prune) plan.actions.push({ type: "delete", have });
      else plan.kept.push(have);
    }
  }
  return plan;
}

const show = (v: unknown): string => (v === undefined ? "(none)" : JSON.stringify(v));

export function formatPlan(plan: Plan): string {
  const lines: string[] = [];
  for (const a of plan.actions) {
    if (a.type === "create") {
      lines.push(`+ create ${a.want.key}  (${formatSource(a.want.source)})`);
      for (const n of a.want.notes) lines.push(`    note: ${n}`);
    } else if (a.type === "update") {
      lines.push(`~ change ${a.want.key} ${a.have.id}  (${formatSource(a.want.source)})`);
      for (const c of a.changes) lines.push(`    ${c.path}: ${show(c.from)} -> ${show(c.to)}`);
      for (const n of a.want.notes) lines.push(`    note: ${n}`);
    } else {
      lines.push(`- delete ${a.have.key} ${a.have.id}  (its rule is gone)`);
    }
  }
  for (const k of plan.kept) lines.push(`  keep ${k.key} ${k.id}: its rule is gone; \`hearth datadog apply --prune\` deletes it`);
  const count = (t: Action["type"]) => plan.actions.filter((a) => a.type === t).length;
  lines.push(
    plan.actions.length
      ? `Plan: ${count("create")} to create, ${count("update")} to change, ${count("delete")} to delete (${plan.unchanged.length} unchanged).`
      : `No changes: Datadog matches the rules (${plan.unchanged.length} object${plan.unchanged.length === 1 ? "" : "s"}).`,
  );
  return `${lines.join("\n")}\n`;
}
