// The container's health check (Dockerfile HEALTHCHECK): GET /health on this hub (or the path given as
// the first argument, e.g. `/ready` for a replica behind a load balancer), on the port and scheme the
// server uses (MCP_PORT or PORT; https when MCP_TLS_CERT is set). Exit 0 when it answers 200, 1
// otherwise. The certificate is not verified: the check talks to its own process over loopback.
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'

const env = process.env
const port = Number(env.MCP_PORT || env.PORT || 5050)
const tls = Boolean(env.MCP_TLS_CERT)
// a server bound to one address answers there only; a wildcard bind answers on loopback
const host = env.MCP_HOST && env.MCP_HOST !== '0.0.0.0' && env.MCP_HOST !== '::' ? env.MCP_HOST : '127.0.0.1'

const path = /^\/[A-Za-z0-9/_-]*$/.test(process.argv[2] ?? '') ? process.argv[2] : '/health'

const req = (tls ? httpsRequest : httpRequest)({ host, port, path, method: 'GET', timeout: 4000, rejectUnauthorized: false }, (res) => {
  res.resume()
  process.exitCode = res.statusCode === 200 ? 0 : 1
})
req.on('timeout', () => req.destroy(new Error('timed out')))
req.on('error', (err) => {
  process.stderr.write(`healthcheck: ${tls ? 'https' : 'http'}://${host}:${port}${path}: ${err.message}\n`)
  process.exitCode = 1
})
req.end()
