import { describe, expect, it } from "vitest";
import { stateFlags } from "../../src/alerts/messages.js";
import { compileTemplate, templateProblems } from "../../src/alerts/templates.js";

// Datadog's template syntax: docs/datadog-semantics.md §3.4.
const message = `{{#is_alert}}ALERT {{value}} > {{threshold}} on {{host.name}} ({{host.ip}}){{/is_alert}}
{{#is_warning}}WARN {{value}} > {{warn_threshold}}{{/is_warning}}
{{#is_recovery}}RECOVERED{{#is_alert_recovery}} from alert{{/is_alert_recovery}}{{#is_warning_recovery}} from warning{{/is_warning_recovery}}{{/is_recovery}}
{{#is_alert_to_warning}}DOWN TO WARN{{/is_alert_to_warning}}
{{^is_recovery}}since {{last_triggered_at}}{{/is_recovery}}
{{#is_renotify}}STILL{{else}}NEW{{/is_renotify}}
{{#is_match "appliance.name" "stove" "oven"}}cooking {{appliance.name}}{{else}}not cooking{{/is_match}}
& <not escaped>`;

const ctx = (from: "OK" | "WARN" | "ALERT" | "NO_DATA", to: "OK" | "WARN" | "ALERT" | "NO_DATA", kind: "transition" | "renotify" = "transition") => ({
  ...stateFlags(from, to, kind),
  value: 828.57,
  threshold: 800,
  warn_threshold: 500,
  host: { name: "dd-ubuntu20", ip: "192.0.2.20" },
  last_triggered_at: "2026-01-06 14:04:00 UTC",
  last_triggered_at_epoch: Date.parse("2026-01-06T14:04:00Z"),
  appliance: { name: "stove" },
});

describe("message templates", () => {
  const render = compileTemplate(message);

  it("renders the blocks of the state it is sent for, with values, host and group tags", () => {
    expect(render(ctx("WARN", "ALERT"))).toBe(
      "ALERT 828.57 > 800 on dd-ubuntu20 (192.0.2.20)\n\nsince 2026-01-06 14:04:00 UTC\nNEW\ncooking stove\n& <not escaped>",
    );
    expect(render(ctx("ALERT", "WARN"))).toContain("WARN 828.57 > 500\n\nDOWN TO WARN");
    expect(render(ctx("ALERT", "OK"))).toMatch(/^RECOVERED from alert\n\nNEW/);
    expect(render(ctx("WARN", "OK"))).toMatch(/^RECOVERED from warning/);
    expect(render(ctx("ALERT", "ALERT", "renotify"))).toContain("STILL");
    expect(render({ ...ctx("OK", "ALERT"), appliance: { name: "heater" } })).toContain("not cooking");
  });

  it("renders local_time in the zone asked for (yyyy-MM-dd HH:mm:ss±HH:mm)", () => {
    const t = compileTemplate("{{local_time 'last_triggered_at' 'Europe/Berlin'}} / {{local_time 'last_triggered_at' 'Mars/Base'}}");
    expect(t(ctx("OK", "ALERT"))).toBe("2026-01-06 15:04:00+01:00 / (unknown time zone Mars/Base)");
  });

  it("finds syntax errors and names that are neither variables nor helpers, with a suggestion", () => {
    const vocabulary = { variables: ["is_alert", "value", "appliance"] };
    expect(templateProblems("{{#is_alrt}}x{{/is_alrt}}\n{{valu}} {{appliance.name}} {{lokal_time 'a' 'b'}}", vocabulary)).toEqual([
      'template line 1: unknown block "is_alrt" (did you mean "is_alert"?)',
      'template line 2: unknown variable "valu" (did you mean "value"?)',
      'template line 2: unknown helper "lokal_time" (did you mean "local_time"?)',
    ]);
    expect(templateProblems("{{#is_alert}}x{{/is_warning}}", vocabulary)[0]).toMatch(/^template: is_alert doesn't match is_warning/);
    expect(templateProblems("{{#is_alert}}{{value}}{{/is_alert}} {{#each appliance}}{{anything}}{{/each}}", vocabulary)).toEqual([]);
  });
});
