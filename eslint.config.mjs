// `npm run lint` (part of `npm test`): eslint for correctness, prettier (.prettierrc.json) for layout.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['dist/**', '**/node_modules/**', 'tools/node-*/**', 'coverage/**'],
  },
  js.configs.recommended,
  {
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: { globals: { ...globals.node } },
    rules: {
      'no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
    },
  },
  {
    files: ['**/*.ts', '**/*.mts'],
    extends: [tseslint.configs.recommended],
    rules: {
      // `_`-prefixed names say "deliberately unused" (a destructured field set aside, a required parameter).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      // CommonJS `require()` is how the SDKs are loaded lazily and how tests load the built package.
      '@typescript-eslint/no-require-imports': 'off',
      // The contrib instrumentations' idiom: a patched method is a `function` (the SDK's `this`) that reaches its instrumentation.
      '@typescript-eslint/no-this-alias': ['error', { allowedNames: ['instrumentation'] }],
    },
  },
  prettier,
);
