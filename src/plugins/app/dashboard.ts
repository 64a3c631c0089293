import fp from 'fastify-plugin'
import fastifyStatic from '@fastify/static'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

// The chart library's own build, served as it ships (no bundler): only the two files the page loads.
const UPLOT_FILES = new Set(['uPlot.esm.js', 'uPlot.min.css'])
const uplotDist = join(dirname(createRequire(import.meta.url).resolve('uplot/package.json')), 'dist')

// The dashboard: static files, behind admin auth like the API it calls. @fastify/static registers
// their routes, which cannot carry an `auth` option: the scope declares it for them.
export default fp(async (app) => {
  await app.register(async (scope) => {
    app.auth.scopeDefault(scope, 'admin')
    await scope.register(fastifyStatic, {
      root: fileURLToPath(new URL('../../../static/', import.meta.url)),
      prefix: '/',
      index: 'index.html',
      wildcard: false,
      schemaHide: true,
    })
    await scope.register(fastifyStatic, {
      root: uplotDist,
      prefix: '/vendor/uplot/',
      decorateReply: false,
      wildcard: false,
      schemaHide: true,
      allowedPath: (path) => UPLOT_FILES.has(path.replace(/^\//, '')),
      maxAge: 86_400_000,
    })
  })
}, { name: 'dashboard', dependencies: ['auth'] })
