// The agentTokens area of the PostgreSQL engine. (Being written this session: its helper replaces this file.)
import type { PgArea } from './area.js'
import type { AgentTokenStore } from '../ports/agent-tokens.js'

export const agentTokensArea: PgArea<AgentTokenStore> = {
  name: 'agentTokens',
  migrations: [],
  open () {
    return new Proxy({}, { get: (_, op) => { throw new Error(`postgres agentTokens.${String(op)}: not written yet`) } }) as AgentTokenStore
  },
}
