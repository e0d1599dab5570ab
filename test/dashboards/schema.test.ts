import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { formatIssue } from "../../src/config-kit/issues.js";
import { loadRulesDir } from "../../src/config/load.js";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function rulesDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hearth-dashboards-"));
  dirs.push(dir);
  for (const [name, body] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), body);
  return dir;
}

describe("the dashboards section", () => {
  it("loads the shipped dashboards with their parsed queries and where they were written", () => {
    const r = loadRulesDir(path.resolve("rules"), {});
    if (!r.rules) throw new Error(r.issues.map(formatIssue).join("\n"));
    const story = r.rules.dashboards.find((d) => d.name === "my_metric")!;
    expect(story.time).toBe("5m");
    expect(story.template_variables).toEqual([{ name: "host", default: "*" }]);
    expect(story.widgets.map((w) => w.type)).toEqual(["timeseries", "timeseries", "timeseries"]);
    const queries = story.widgets.flatMap((w) => (w.type === "timeseries" ? w.queries.map((q) => q.parsed.kind) : []));
    expect(queries).toEqual(["series", "anomalies", "series"]);
    expect(story.source.file).toMatch(/dashboards\.yaml$/);
    expect(r.rules.dashboards.map((d) => d.name)).toEqual(["house", "my_metric"]);
  });

  it("reports every problem at once, each at its file:line:col", () => {
    const dir = rulesDir({
      "a.yaml": [
        "dashboards:",
        "  - name: a",
        "    title: A",
        "    time: 3m",
        "    widgets:",
        "      - type: timeseries",
        "        queries: \"anomalies(avg:m{*}, 'adaptive', 2)\"",
        "      - type: query_value",
        "        query: avg:m{host:$room}",
        "      - type: gauge",
        "",
      ].join("\n"),
      "b.yaml": "dashboards:\n  - name: a\n    title: again\n    widgets: [{type: note, text: hi}]\n",
    });
    const r = loadRulesDir(dir, {});
    const lines = r.issues.map((i) => `${path.basename(i.file)}:${i.line}:${i.col} ${i.message}`);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^a\.yaml:4:11 .*time.*"5m"/),
        expect.stringMatching(/^a\.yaml:7:18 .*unknown anomaly algorithm "adaptive".*character 22/),
        expect.stringMatching(/^a\.yaml:10:15 .*type must be one of "timeseries", "query_value", "note"/),
      ]),
    );
    expect(r.rules).toBeUndefined();
  });

  it("names a template variable the dashboard does not declare, and a name used twice", () => {
    const dir = rulesDir({
      "a.yaml": "dashboards:\n  - name: a\n    title: A\n    widgets:\n      - type: query_value\n        query: avg:m{host:$room}\n",
      "b.yaml": "dashboards:\n  - name: a\n    title: B\n    widgets: [{type: note, text: hi}]\n",
    });
    const r = loadRulesDir(dir, {});
    const lines = r.issues.map((i) => `${path.basename(i.file)}:${i.line}:${i.col} ${i.message}`);
    expect(lines).toEqual([expect.stringMatching(/^a\.yaml:6:16 .*\$room is not one of the dashboard's template_variables/)]);
    const twice = loadRulesDir(
      rulesDir({
        "a.yaml": "dashboards:\n  - name: a\n    title: A\n    widgets: [{type: note, text: hi}]\n",
        "b.yaml": "dashboards:\n  - name: a\n    title: B\n    widgets: [{type: note, text: hi}]\n",
      }),
      {},
    );
    expect(twice.issues.map((i) => `${path.basename(i.file)}:${i.line} ${i.message}`)).toEqual([
      expect.stringMatching(/^b\.yaml:2 dashboards: "a" is already defined at .*a\.yaml:2/),
    ]);
  });
});
