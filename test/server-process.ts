// Runs the built server (dist/server.js, built by `pretest`) as a child process, as `npm start` would.
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const SERVER = fileURLToPath(new URL('../dist/server.js', import.meta.url))

export interface RunningServer { child: ChildProcess, url: string, stderr (): string }

/** Starts the server with the given environment; resolves with its URL once it listens. */
export function startServer (env: Record<string, string>, timeoutMs = 15_000): Promise<RunningServer> {
  const child = spawn(process.execPath, [SERVER], {
    env: { PATH: process.env.PATH ?? '', MCP_HOST: '127.0.0.1', MCP_PORT: '0', MCP_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  child.stderr!.on('data', (d) => { err += d })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`server did not start: ${err}${out}`)) }, timeoutMs)
    child.stdout!.on('data', (d) => {
      out += d
      const m = /listening at (https?:\/\/127\.0\.0\.1:\d+)/.exec(out)
      if (m) { clearTimeout(timer); resolve({ child, url: m[1], stderr: () => err }) }
    })
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited with ${code}: ${err}`)) })
  })
}

/** Runs the server expecting it to fail at start; resolves with its exit code and stderr. */
export function failingStart (env: Record<string, string>): Promise<{ code: number | null, stderr: string }> {
  const child = spawn(process.execPath, [SERVER], { env: { PATH: process.env.PATH ?? '', MCP_HOST: '127.0.0.1', MCP_PORT: '0', ...env }, stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr!.on('data', (d) => { stderr += d })
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
    child.once('exit', (code) => { clearTimeout(timer); resolve({ code, stderr }) })
  })
}

export function exited (child: ChildProcess): Promise<void> {
  return new Promise((resolve) => { if (child.exitCode !== null || child.signalCode !== null) resolve(); else child.once('exit', () => resolve()) })
}
