/** Exit codes of every `hearth` command (docs/design.md, "The contract users see"). */
export const EXIT = {
  ok: 0,
  /** Invalid input: a broken config or rules file, a payload that explains to nothing, a failed probe. */
  invalid: 1,
  /** Usage errors: an unknown command or option, a missing argument. */
  usage: 2,
} as const;
