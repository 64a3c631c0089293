import fp from 'fastify-plugin'
import { createAgentTokens, type AgentTokens } from '../../domain/mcp/agent-tokens.js'

declare module 'fastify' {
  interface FastifyInstance { agentTokens: AgentTokens }
}

// The agents' bearer tokens for /mcp: the auth plugin verifies them, the admin routes mint and revoke them.
export default fp(async (app) => {
  app.decorate('agentTokens', createAgentTokens({ store: app.store }))
}, { name: 'agent-tokens', dependencies: ['store'] })
