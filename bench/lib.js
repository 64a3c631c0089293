// Shared benchmark plumbing: start a server pinned to core 0, drive it from core 1 with autocannon,
// alternate floor and hub over rounds, report medians and ratios.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, existsSync, readFileSync } from 'node:fs'
import { tmpdir, cpus } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('..', import.meta.url))
const TASKSET = existsSync('/usr/bin/taskset') && cpus().length >= 2
const AUTOCANNON = join(ROOT, 'node_modules/autocannon/autocannon.js')

/** Runs `node args` pinned to `core` (when taskset and two cores exist). */
export function pinnedNode (core, args, opts = {}) {
  const [cmd, argv] = TASKSET ? ['taskset', ['-c', String(core), process.execPath, ...args]] : [process.execPath, args]
  return spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], ...opts })
}

/** Starts a server script (with `nodeArgs` before it, e.g. --cpu-prof); resolves with { url, stop } once it prints its listening address. */
export function startServer (script, env = {}, nodeArgs = [], startTimeoutMs = process.env.BENCH_START_TIMEOUT_MS ? Number(process.env.BENCH_START_TIMEOUT_MS) : Number(process.env.BENCH_START_TIMEOUT ?? 20) * 1000) {
  // BENCH_START_TIMEOUT (seconds) or BENCH_START_TIMEOUT_MS: a loaded machine starts the hub slowly
  const child = pinnedNode(0, [...nodeArgs, script], { env: { ...process.env, ...env } })
  let out = ''
  let err = ''
  child.stderr.on('data', (d) => { err += d })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`${script} did not start: ${err}`)) }, startTimeoutMs)
    child.stdout.on('data', (d) => {
      out += d
      const m = /listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        // from here on the server's log is drained unread
        child.stdout.removeAllListeners('data')
        child.stdout.resume()
        out = ''
        resolve({
          url: m[1],
          child,
          stop: () => new Promise((resolve) => { child.once('exit', resolve); child.kill('SIGTERM'); setTimeout(() => child.kill('SIGKILL'), 10_000).unref() }),
        })
      }
    })
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`${script} exited with ${code}: ${err}`)) })
  })
}

/**
 * Runs autocannon in its own process on core 1; resolves with its JSON result. `input`: a file whose
 * bytes are the body, sent as they are (the autocannon command reads its -i file as UTF-8 text, which
 * would garble protobuf and gzip: bench/load-bytes.js hands autocannon the bytes instead).
 */
export function autocannon ({ url, connections, duration, body, input, method = 'POST', headers = {} }) {
  const allHeaders = { 'content-type': 'application/json', ...headers }
  let args
  if (input !== undefined) {
    args = [join(ROOT, 'bench/load-bytes.js'), JSON.stringify({ url, connections, duration, method, headers: allHeaders, input })]
  } else {
    args = [AUTOCANNON, '-j', '-c', String(connections), '-d', String(duration), '-m', method]
    for (const [k, v] of Object.entries(allHeaders)) args.push('-H', `${k}=${v}`)
    if (body !== undefined) args.push('-b', body)
    args.push(url)
  }
  const child = pinnedNode(1, args)
  let out = ''
  child.stdout.on('data', (d) => { out += d })
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited ${code}`))
      resolve(JSON.parse(out))
    })
  })
}

export const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2 }

export function tempDataDir () {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-bench-'))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

export const fmt = (n, d = 0) => Number(n).toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d })

/** CPU seconds (user + system) a process has used so far, from /proc (Linux; 0 elsewhere). */
export function cpuSeconds (pid) {
  try {
    // fields after the command name, which is in parentheses and may hold spaces
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100 // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return 0
  }
}

/** Starts the hub (dist/server.js, which `npm start` runs) with `env`. */
export const startHub = (env, nodeArgs, startTimeoutMs) => startServer(join(ROOT, 'dist/server.js'), env, nodeArgs, startTimeoutMs)
