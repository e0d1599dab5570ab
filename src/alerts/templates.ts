import Handlebars from "handlebars";
import { DateTime, IANAZone } from "luxon";
import { didYouMean } from "../config-kit/issues.js";

/**
 * Monitor messages in Datadog's template syntax (docs/datadog-semantics.md §3.4), rendered by
 * Handlebars, which Datadog's syntax is modelled on: `{{#is_alert}}…{{/is_alert}}`,
 * `{{^is_alert}}…{{/is_alert}}`, `{{value}}`, `{{appliance.name}}`, `{{#is_match "appliance.name" "stove"}}`,
 * `{{local_time 'last_triggered_at' 'Europe/Berlin'}}`. The state blocks are plain booleans of
 * the context, so `{{else}}` and the negations work as Handlebars sections do.
 */

export type TemplateContext = Record<string, unknown>;

/** Looks up a dotted path ("appliance.name") in the context. */
function lookup(ctx: TemplateContext, path: string): unknown {
  let v: unknown = ctx;
  for (const part of path.split(".")) v = typeof v === "object" && v !== null ? (v as Record<string, unknown>)[part] : undefined;
  return v;
}

/** A looked-up value as text, as String() gives it; a plain object as its JSON, not "[object Object]". */
function text(v: unknown): string {
  if (v === undefined || v === null) return "";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint" || typeof v === "symbol") return String(v);
  if (Array.isArray(v)) return v.join(",");
  return JSON.stringify(v);
}

const hb = Handlebars.create();

// {{#is_match "appliance.name" "stove" "oven"}}…{{else}}…{{/is_match}}: substring match, as Datadog's.
hb.registerHelper("is_match", function (this: TemplateContext, path: unknown, ...rest: unknown[]) {
  const options = rest.pop() as Handlebars.HelperOptions;
  const v = text(lookup(this, String(path)));
  return rest.some((r) => v.includes(String(r))) ? options.fn(this) : options.inverse(this);
});

// {{#is_exact_match "value" "1"}}: equality.
hb.registerHelper("is_exact_match", function (this: TemplateContext, path: unknown, ...rest: unknown[]) {
  const options = rest.pop() as Handlebars.HelperOptions;
  const v = text(lookup(this, String(path)));
  return rest.some((r) => v === String(r)) ? options.fn(this) : options.inverse(this);
});

// {{local_time 'last_triggered_at' 'Europe/Berlin'}} → "2026-01-05 20:10:00+01:00" (yyyy-MM-dd HH:mm:ss±HH:mm).
hb.registerHelper("local_time", function (this: TemplateContext, name: unknown, zone: unknown) {
  const epoch = lookup(this, `${String(name)}_epoch`);
  if (typeof epoch !== "number") return "";
  const tz = String(zone);
  if (!IANAZone.isValidZone(tz)) return `(unknown time zone ${tz})`;
  return DateTime.fromMillis(epoch, { zone: tz }).toFormat("yyyy-MM-dd HH:mm:ssZZ");
});

/** Helpers a template may call, with Handlebars' own block helpers. */
const TEMPLATE_HELPERS = ["is_match", "is_exact_match", "local_time", "if", "unless", "each", "with", "lookup"] as const;

export interface TemplateVocabulary {
  /** Variables (and `{{#flag}}` blocks) this monitor's templates may use. */
  variables: readonly string[];
}

type Node = hbs.AST.Node & {
  type: string;
  path?: hbs.AST.PathExpression | hbs.AST.Literal;
  params?: hbs.AST.Expression[];
  program?: hbs.AST.Program | null;
  inverse?: hbs.AST.Program | null;
  body?: hbs.AST.Statement[];
  loc: hbs.AST.SourceLocation;
};

/**
 * Every problem in a template: syntax (with Handlebars' line and column), and names that are
 * neither a variable nor a helper (a typo such as `{{#is_alrt}}` would otherwise render nothing).
 */
export function templateProblems(text: string, vocabulary: TemplateVocabulary): string[] {
  let ast: hbs.AST.Program;
  try {
    ast = hb.parse(text);
  } catch (err) {
    // Handlebars' message is "Parse error on line N:", the source, a caret, and what it expected.
    const lines = String((err as Error).message).split("\n");
    const last = lines.length > 1 ? ` ${lines[lines.length - 1]!.replace(/^Expecting .*, got /, "unexpected ")}` : "";
    return [`template: ${lines[0]}${last}`];
  }
  const known = new Set<string>([...vocabulary.variables, ...TEMPLATE_HELPERS]);
  const problems: string[] = [];
  const check = (name: string, node: Node, kind: string) => {
    if (known.has(name)) return;
    const hint = didYouMean(name, known);
    problems.push(`template line ${node.loc.start.line}: unknown ${kind} "${name}"${hint ? ` (did you mean "${hint}"?)` : ""}`);
  };
  const walk = (nodes: readonly hbs.AST.Statement[] | undefined, inLoop: boolean) => {
    for (const raw of nodes ?? []) {
      const node = raw as unknown as Node;
      const path = node.path as hbs.AST.PathExpression | undefined;
      const isPath = path?.type === "PathExpression" && !path.data && path.parts.length > 0;
      if (node.type === "BlockStatement") {
        if (isPath && !inLoop) check(path.parts[0]!, node, "block");
        const loop = inLoop || (isPath && ["each", "with"].includes(path.parts[0]!));
        walk(node.program?.body, loop);
        walk(node.inverse?.body, loop);
      } else if (node.type === "MustacheStatement" && isPath && !inLoop) {
        check(path.parts[0]!, node, (node.params?.length ?? 0) > 0 ? "helper" : "variable");
      }
    }
  };
  walk(ast.body, false);
  return problems;
}

export type Template = (ctx: TemplateContext) => string;

/**
 * Compiles a template once. Output is plain text (no HTML escaping: messages go to email and
 * push, not a web page), with the blank lines left by false blocks squeezed out.
 */
export function compileTemplate(text: string): Template {
  const render = hb.compile(text, { noEscape: true });
  return (ctx) =>
    render(ctx)
      .replace(/[ \t]+\n/g, "\n")
      .replace(/\n{3,}/g, "\n\n")
      .trim();
}
