// ESLint flat config: neostandard (the Fastify ecosystem's style: no semicolons, space before
// function parens, single quotes, 2-space indent) with its TypeScript rules for src/ and test/.
import neostandard, { resolveIgnoresFromGitignore } from 'neostandard'
import globals from 'globals'

export default [
  ...neostandard({
    ts: true,
    // .gitignore already names everything built or generated: node_modules/, dist/, data/,
    // .tap/, bench/results/, test-artifacts/, scratch/.
    ignores: [...resolveIgnoresFromGitignore(), 'coverage/**'],
  }),
  // House conventions neostandard would otherwise refuse:
  // - `void promise` marks a promise left unawaited on purpose (a background tick, a fire-and-forget refresh);
  // - prom-client metrics register themselves in their constructor (`new Gauge({ registers })`).
  { rules: { 'no-void': ['error', { allowAsStatement: true }] } },
  { files: ['src/domain/metrics/**/*.ts'], rules: { 'no-new': 'off' } },
  // The dashboard's scripts run in the browser (served as ES modules from static/js), not in Node.
  {
    files: ['static/js/**/*.js'],
    languageOptions: { globals: globals.browser },
  },
]
