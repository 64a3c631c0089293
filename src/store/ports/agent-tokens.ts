// The agent-token area of the storage port: bearer tokens that let an agent of the context registry
// call /mcp. Only a hash of each token's secret is stored; the token itself is shown once, at creation.

export interface AgentTokenRecord {
  /** public part of the token (it is also inside the token text), the key a presented token is found by */
  id: string
  /** the agent of the context registry the token speaks for */
  agentId: string
  /** what the admin called it ("claude-desktop on ana's laptop") */
  name: string
  scopes: string[]
  /** SHA-256 of the token's secret part, hex */
  secretHash: string
  createdAt: string
  /** who minted it, as the audit trail names actors ("user:admin") */
  createdBy: string
  expiresAt: string | null
  revokedAt: string | null
  /** refreshed at most once a minute per token (see the agent-token service) */
  lastUsedAt: string | null
}

export interface AgentTokenStore {
  /** a conflict DomainError when the id is taken */
  create (token: AgentTokenRecord): Promise<AgentTokenRecord>
  get (id: string): Promise<AgentTokenRecord | undefined>
  /** newest first; one agent's, or all */
  list (filter: { agentId?: string }): Promise<AgentTokenRecord[]>
  /** sets revokedAt unless it is set already; the token as it now is, undefined when there is none */
  revoke (id: string, at: string): Promise<AgentTokenRecord | undefined>
  /** records a use; never moves lastUsedAt back */
  touch (id: string, at: string): Promise<void>
}
