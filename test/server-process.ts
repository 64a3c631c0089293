// Runs the server from its sources (src/server.ts) as a child process, as `npm start` would run the build:
// node with the TypeScript loader tap runs the tests with, so a stale or missing dist/ is never tested.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const SERVER = fileURLToPath(new URL('../src/server.ts', import.meta.url))
export const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url))

/** The node arguments of the TypeScript loader this test runs under (tap's @tapjs/typescript). */
export const TS_LOADER = process.execArgv.filter((a) => a.includes('@tapjs/typescript'))
if (TS_LOADER.length === 0) throw new Error('no TypeScript loader in process.execArgv: run the tests with tap (npx tap test/…)')

/** The loader's own settings from tap's environment (transpile only), kept in the child's trimmed environment. */
export const loaderEnv = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('TS_NODE_') || k === 'TAP_TYPE_STRIP_ONLY')) as Record<string, string>

function spawnServer (env: Record<string, string>, stdio: 'pipe' | 'ignore'): ChildProcess {
  return spawn(process.execPath, [...TS_LOADER, SERVER], {
    env: { ...loaderEnv(), PATH: process.env.PATH ?? '', MCP_HOST: '127.0.0.1', MCP_PORT: '0', ...env },
    stdio: ['ignore', stdio, 'pipe'],
  })
}

export interface RunningServer { child: ChildProcess, url: string, stderr (): string, stdout (): string }

/**
 * Each start transpiles the sources (several seconds of CPU, far more on a loaded machine), so the waits are
 * generous, and a file starting several servers raises its own tap timeout with PROCESS_TEST_TIMEOUT_MS.
 */
export const START_TIMEOUT_MS = 90_000
export const PROCESS_TEST_TIMEOUT_MS = 600_000

/** Starts the server with the given environment; resolves with its URL once it listens. */
export function startServer (env: Record<string, string>, timeoutMs = START_TIMEOUT_MS): Promise<RunningServer> {
  const child = spawnServer({ MCP_LOG_LEVEL: 'info', ...env }, 'pipe')
  let out = ''
  let err = ''
  child.stderr!.on('data', (d) => { err += d })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`server did not start within ${timeoutMs} ms: ${err}${out}`)) }, timeoutMs)
    child.stdout!.on('data', (d) => {
      out += d
      const m = /listening at (https?:\/\/127\.0\.0\.1:\d+)/.exec(out)
      if (m) { clearTimeout(timer); resolve({ child, url: m[1], stderr: () => err, stdout: () => out }) }
    })
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited with ${code}: ${err}`)) })
  })
}

/** Runs the server expecting it to fail at start; resolves with its exit code and stderr. */
export function failingStart (env: Record<string, string>): Promise<{ code: number | null, stderr: string }> {
  const child = spawnServer(env, 'ignore')
  let stderr = ''
  child.stderr!.on('data', (d) => { stderr += d })
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), START_TIMEOUT_MS)
    child.once('exit', (code) => { clearTimeout(timer); resolve({ code, stderr }) })
  })
}

export function exited (child: ChildProcess): Promise<void> {
  return new Promise((resolve) => { if (child.exitCode !== null || child.signalCode !== null) resolve(); else child.once('exit', () => resolve()) })
}

/** Runs the command line (src/cli.ts) as a child process; answers its exit code and output. */
export function runCli (args: string[], env: Record<string, string> = {}): Promise<{ code: number, stdout: string, stderr: string }> {
  return new Promise((resolve) => {
    // each run transpiles the sources first: on a loaded machine that alone can take longer than 20 s
    execFile(process.execPath, [...TS_LOADER, CLI, ...args], { timeout: START_TIMEOUT_MS, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr })
    })
  })
}
