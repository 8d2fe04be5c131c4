// @ts-check
// One lint config for every workspace: typescript-eslint's type-aware recommended rules, run by `npm run lint`
// (and so by `npm test`). Formatting is prettier's job (.prettierrc.json); eslint-config-prettier turns off
// the stylistic rules that would fight it.
const { defineConfig } = require('eslint/config');
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');
const prettier = require('eslint-config-prettier');
const globals = require('globals');

const TESTS = ['*/test/**', 'examples/*/test/**', 'testing/**', 'testcontainers/examples/**', 'vitest.config.ts'];

module.exports = defineConfig(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.build/**', 'coverage/**', '.minik8s/**', 'tmp/**'] },
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        // Each component's tsconfig.json holds its src; tsconfig.test.json holds the tests, which no
        // tsconfig.json includes, so the project service (nearest tsconfig.json) cannot find them.
        project: ['./tsconfig.test.json', './*/tsconfig.json', './examples/*/tsconfig.json'],
        tsconfigRootDir: __dirname,
      },
    },
    rules: {
      // A `let` read by a closure (a shutdown hook) before its assignment stays `let`: `const` would throw there.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // `_`-prefixed names are deliberate: omitting a key from a rest copy, an unused positional argument.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      // Excluded: Kubernetes objects reach most code as parsed JSON (`JSON.parse`, response bodies, YAML
      // manifests) and are read field by field with optional chaining; these five rules report every such
      // read (about 2,700 findings). `any` itself is still an error outside tests (no-explicit-any), so new
      // untyped code needs a typed shape or a justified disable.
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Excluded: `async` without `await` is how our handlers and interface implementations return a
      // promise; it also turns a synchronous throw into a rejection the caller's `.catch` sees.
      '@typescript-eslint/require-await': 'off',
      // Excluded: its 16 findings were all formatters that JSON-encode objects first and then `String()` the
      // remaining scalar; TypeScript narrows `unknown` to `{}` there, which the rule takes for a plain object.
      '@typescript-eslint/no-base-to-string': 'off',
      // Passing a caught value on unchanged (`.catch((e) => isNotFound(e) ? undefined : Promise.reject(e))`)
      // keeps the original error; only values we create must be Errors.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingAny: true, allowThrowingUnknown: true }],
      '@typescript-eslint/only-throw-error': ['error', { allowThrowingAny: true, allowThrowingUnknown: true }],
    },
  },
  {
    files: TESTS,
    rules: {
      // Tests read arbitrary JSON from real servers and build deliberately malformed objects.
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    // The build, compose and fixture scripts are plain CommonJS run by node.
    files: ['**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  prettier,
);
