import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import { createRequire } from 'node:module'

const { version } = createRequire(import.meta.url)('../../../package.json') as { version: string }

// The OpenAPI document, collected from the routes' TypeBox schemas: registered before any route so
// every route lands in it. Swagger UI, which serves it at /docs, is in routes/docs.ts.
export default fp(async (app) => {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'MCP Server',
        description: 'Observability hub for microservice fleets: health, events, audit, context registry, metrics.',
        version,
      },
      tags: [
        { name: 'hub', description: "the hub's own liveness and readiness" },
        { name: 'events', description: 'structured events from any service' },
        { name: 'stream', description: 'live Server-Sent Events' },
        { name: 'metrics', description: 'JSON summary and Prometheus exposition' },
        { name: 'health', description: 'monitored services: checks, states, incidents, uptime' },
        { name: 'audit', description: 'the tamper-evident trail of what users and AI agents did' },
        { name: 'context', description: 'the registry of AI models, agents and tasks' },
        { name: 'backup', description: 'export and import of every table' },
        { name: 'alerts', description: 'alerts raised from service state changes; acknowledgement' },
        { name: 'notifications', description: 'channels, alert rules and the delivery log' },
        { name: 'silences', description: 'silences and recurring maintenance windows' },
        { name: 'mcp', description: 'the Model Context Protocol endpoint for AI agents, and their tokens' },
      ],
      components: {
        securitySchemes: {
          basicAuth: { type: 'http', scheme: 'basic' },
          bearerAuth: { type: 'http', scheme: 'bearer' },
        },
      },
    },
    refResolver: {
      // name components after the schema's $id instead of def-N
      buildLocalReference: (json, _baseUri, _fragment, i) => (json.$id as string | undefined) ?? `def-${i}`,
    },
  })
}, { name: 'swagger' })
