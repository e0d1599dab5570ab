// typescript-eslint with its type-aware recommended rules: most of Hearth's bugs worth a linter
// are about promises (a flush or a send not awaited) and values of the wrong type from the
// wire, which only the type checker can see. Biome is faster but not type-aware.
// https://typescript-eslint.io/getting-started/typed-linting
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "coverage/", "data/", "bench/profiles/", "**/testdata/**"] },
  js.configs.recommended,
  {
    files: ["**/*.ts"],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { project: ["./tsconfig.test.json"], tsconfigRootDir: import.meta.dirname } },
    // `const { source: _source, ...rest } = def` is how Hearth drops a key from a copy: the named
    // key is there to be left out of the rest (https://typescript-eslint.io/rules/no-unused-vars/#options).
    rules: { "@typescript-eslint/no-unused-vars": ["error", { ignoreRestSiblings: true, varsIgnorePattern: "^_", argsIgnorePattern: "^_" }] },
  },
  { files: ["web/**/*.js"], languageOptions: { globals: globals.browser } },
  { files: ["bench/**/*.js", "scripts/**/*.js", "*.config.js"], languageOptions: { globals: globals.node } },
  // The same idiom in plain JavaScript: keys destructured to leave them out of the rest.
  { files: ["**/*.js"], rules: { "no-unused-vars": ["error", { ignoreRestSiblings: true }] } },
);
