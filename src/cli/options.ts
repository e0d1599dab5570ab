/** The options every command that reads the configuration takes (docs/design.md: --config, --rules). */
export interface ConfigOptions {
  config: string;
  rules: string;
}

export const CONFIG_OPTION = ["--config <file>", "configuration file", "config/hearth.yaml"] as const;
export const RULES_OPTION = ["--rules <dir>", "rules directory", "rules"] as const;
