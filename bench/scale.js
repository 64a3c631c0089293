// npm run bench -- scale: the issue-15 figures at scale. Imports every module in bench/scale/*.js (sorted
// by file name); each exports `run(opts)` resolving with rows { what, today, target, measured, met }.
// Prints one markdown table. SCALE_QUICK=1 shrinks every data set about 10× for a fast smoke run.
// `node bench/scale.js events audit` runs only the modules whose file names (without .js) are given.
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { ROOT } from './lib.js'

const QUICK = process.env.SCALE_QUICK === '1'
const cell = (v) => String(v ?? '').replaceAll('|', '\\|').replaceAll('\n', ' ')

/** Runs the scale modules (all, or only those named) and resolves with their rows, in file-name order. */
export async function runScaleBench (only = []) {
  const dir = join(ROOT, 'bench/scale')
  const files = readdirSync(dir).filter((f) => f.endsWith('.js')).sort()
  const rows = []
  console.log(`\n## scale${QUICK ? ' (SCALE_QUICK=1: data sets about 10× smaller)' : ''}`)
  for (const file of files) {
    const name = file.slice(0, -3)
    if (only.length && !only.includes(name)) continue
    const mod = await import(pathToFileURL(join(dir, file)).href)
    if (typeof mod.run !== 'function') throw new Error(`bench/scale/${file} exports no run(opts)`)
    const started = Date.now()
    try {
      const got = await mod.run({ quick: QUICK })
      for (const r of got) rows.push({ module: name, ...r })
      console.error(`scale: ${name} done in ${((Date.now() - started) / 1000).toFixed(0)} s`)
    } catch (err) {
      // one failing module must not hide the others' rows: its failure becomes a row of its own
      console.error(`scale: ${name} failed: ${err.stack ?? err}`)
      rows.push({ module: name, what: `${name}: the module failed`, today: '', target: '', measured: String(err.message ?? err), met: false })
    }
  }
  console.log('\n| what | today | target | measured | met |')
  console.log('|---|---|---|---|---|')
  for (const r of rows) console.log(`| ${cell(r.what)} | ${cell(r.today)} | ${cell(r.target)} | ${cell(r.measured)} | ${r.met ? 'yes' : 'no'} |`)
  return rows
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await runScaleBench(process.argv.slice(2))
