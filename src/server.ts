// Starts and stops the hub: config from the environment, listen, and a graceful close on signals
// (stop accepting, finish in-flight requests, flush queued writes, close the store).
import closeWithGrace from 'close-with-grace'
import { buildApp, loggerOptions } from './app.js'
import { ConfigError, loadConfig } from './config.js'

async function main () {
  let config
  try {
    config = loadConfig({ env: process.env })
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`mcp-server: invalid configuration: ${err.message}\n`)
      process.exit(78) // EX_CONFIG
    }
    throw err
  }
  let app
  try {
    app = await buildApp(config, { logger: loggerOptions(config) })
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`mcp-server: invalid configuration: ${err.message}\n`)
      process.exit(78)
    }
    throw err
  }
  const hub = app
  // SIGHUP re-reads the config file's services; an invalid file changes nothing and is logged
  process.on('SIGHUP', () => {
    hub.health.reload().then(
      (r) => hub.log.info(r, 'SIGHUP: services reloaded'),
      (err) => hub.log.error({ err }, 'SIGHUP: services not reloaded; the config file is invalid')
    )
  })
  // SIGHUP reloads (above); every other signal closes
  closeWithGrace({ delay: 10_000, skip: ['SIGHUP'] }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'closing after an error')
    else app.log.info({ signal }, 'closing')
    await app.close()
  })
  await app.listen({ port: config.port, host: config.host })
  const base = startUpBase(app.listeningOrigin, config.host)
  app.log.info({ dashboard: `${base}/`, docs: `${base}/docs` }, `dashboard at ${base}/ · API docs (Swagger UI) at ${base}/docs`)
}

/** The address a person opens: a wildcard host is shown as localhost. */
function startUpBase (origin: string, host: string): string {
  if (host !== '0.0.0.0' && host !== '::') return origin
  const u = new URL(origin)
  u.hostname = 'localhost'
  return u.origin
}

main().catch((err) => {
  process.stderr.write(`mcp-server: failed to start: ${err?.stack ?? err}\n`)
  process.exit(1)
})
