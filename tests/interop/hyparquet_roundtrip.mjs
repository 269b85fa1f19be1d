#!/usr/bin/env node
// Interop test: an independent Parquet reader (hyparquet, pure JavaScript) must read the
// barlake lake and get exactly the rows `barlake read` prints.
//
//   node hyparquet_roundtrip.mjs BARLAKE SCRATCH_DIR
//       Writes deterministic NinjaTrader fixtures to SCRATCH_DIR/fixtures, imports them into
//       a new vault SCRATCH_DIR/vault (both are deleted first), then checks every
//       lake/symbol=S/timeframe=TF/period=YYYY-MM/data.parquet with hyparquet:
//         - schema: ts INT64 TIMESTAMP(MICROS, UTC), open..volume DOUBLE, job INT64
//         - hive folders: period= is the UTC month of every row's ts; symbol=/timeframe=
//           hold what was imported as that dataset (fixture check below); no other .parquet
//         - rows strictly increasing in ts inside each file; no nulls; footer row counts
//           and column statistics (min/max/null_count) agree with the rows
//         - row by row (ts in UTC micros, the 5 values bit-exact) equal to `barlake read`
//           CSV, for whole datasets and for --from/--to ranges
//         - equal to the fixture itself (ts = bar close in America/Los_Angeles, moved to
//           UTC and back one bar to its open; job = the import that added the bar)
//   node hyparquet_roundtrip.mjs BARLAKE --existing-vault DIR
//       Only the lake checks and the whole-dataset comparison, on a vault that exists
//       (e.g. one made by `barlake demo DIR`); nothing is written.
//
// Exits 0 with one summary line, or 1 with a list of what differs. Dependencies come from
// package-lock.json beside this file: run scripts/setup_node.sh first.

import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const NAME = 'interop_hyparquet'
const HERE = dirname(fileURLToPath(import.meta.url))

class Fatal extends Error {}
const die = msg => { throw new Fatal(msg) }

// ---------------------------------------------------------------- dependencies

async function loadHyparquet() {
  const pkg = JSON.parse(readFileSync(join(HERE, 'package.json'), 'utf8'))
  const setupHint = 'run scripts/setup_node.sh (it runs `npm ci` in tests/interop)'
  for (const [name, want] of Object.entries(pkg.dependencies)) {
    const installed = join(HERE, 'node_modules', name, 'package.json')
    if (!existsSync(installed)) {
      die(`npm package '${name}' is not installed in ${join(HERE, 'node_modules')}: ${setupHint}`)
    }
    const got = JSON.parse(readFileSync(installed, 'utf8')).version
    if (got !== want) die(`npm package '${name}' ${got} is installed but package.json pins ${want}: ${setupHint}`)
  }
  const hyparquet = await import('hyparquet')
  const { compressors } = await import('hyparquet-compressors') // DuckDB writes ZSTD pages
  return { ...hyparquet, compressors, version: pkg.dependencies.hyparquet }
}

// ---------------------------------------------------------------- time helpers

const US_PER_MS = 1000n
const MINUTE_MS = 60_000

/** BigInt UTC micros -> ISO 8601 'Z' (micro digits only when not whole milliseconds). */
function iso(us) {
  const ms = us / US_PER_MS
  const rem = us % US_PER_MS
  const base = new Date(Number(ms)).toISOString()
  return rem === 0n ? base : base.replace('Z', String(rem).padStart(3, '0') + 'Z')
}

/** 'YYYY-MM' of a BigInt UTC micros stamp. */
function utcMonth(us) {
  return new Date(Number(us / US_PER_MS)).toISOString().slice(0, 7)
}

const CSV_TS = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?Z$/
const CSV_NUMBER = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/

/** ISO 8601 UTC text as printed by `barlake read` -> BigInt micros, or null. */
function parseIsoZ(text) {
  const m = CSV_TS.exec(text)
  if (!m) return null
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number)
  const ms = Date.UTC(y, mo - 1, d, h, mi, s)
  const back = new Date(ms)
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return null
  return BigInt(ms) * US_PER_MS + BigInt((m[7] ?? '').padEnd(6, '0'))
}

// America/Los_Angeles in 2024, written out so the fixture does not depend on node's ICU:
// PDT (UTC-7) from 2024-03-10 10:00Z (02:00 PST -> 03:00 PDT) to 2024-11-03 09:00Z
// (02:00 PDT -> 01:00 PST), PST (UTC-8) otherwise.
const PDT_BEGIN = Date.UTC(2024, 2, 10, 10)
const PDT_END = Date.UTC(2024, 10, 3, 9)
function losAngelesOffsetMs(utcMs) {
  if (utcMs < Date.UTC(2024, 0, 1) || utcMs >= Date.UTC(2025, 0, 1)) die('fixture dates must lie in 2024')
  return (utcMs >= PDT_BEGIN && utcMs < PDT_END ? -7 : -8) * 3_600_000
}

/** NinjaTrader intraday stamp 'yyyyMMdd HHmmss' of a UTC instant, in Los Angeles time. */
function ninjaStamp(utcMs) {
  const t = new Date(utcMs + losAngelesOffsetMs(utcMs))
  const p = (n, w = 2) => String(n).padStart(w, '0')
  return `${p(t.getUTCFullYear(), 4)}${p(t.getUTCMonth() + 1)}${p(t.getUTCDate())} ` +
    `${p(t.getUTCHours())}${p(t.getUTCMinutes())}${p(t.getUTCSeconds())}`
}

// ---------------------------------------------------------------- fixture

/** Deterministic PRNG (mulberry32). */
function rng(seed) {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return { int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)) }
}

// Price formats, from integer ticks (so the file text is exact decimal).
const quarterTicks = t => `${Math.floor(t / 4)}${['', '.25', '.5', '.75'][t % 4]}` // ES: 4976.25
const centTicks = t => `${Math.floor(t / 100)}.${String(t % 100).padStart(2, '0')}` // CL: 72.50

/** Bars opening every `stepMin` minutes in [fromMs, toMs), as {openMs, fields[5]} (text). */
function makeBars({ seed, startTicks, format, fromMs, toMs, stepMin }) {
  const r = rng(seed)
  const bars = []
  let close = startTicks
  for (let t = fromMs; t < toMs; t += stepMin * MINUTE_MS) {
    const open = close
    close = Math.max(1, open + r.int(-8, 8))
    const high = Math.max(open, close) + r.int(0, 4)
    const low = Math.max(1, Math.min(open, close) - r.int(0, 4))
    const volume = r.int(0, 99) === 0 ? r.int(100_000, 9_999_999) : r.int(1, 3000)
    bars.push({ openMs: t, stepMin, fields: [format(open), format(high), format(low), format(close), String(volume)] })
  }
  return bars
}

/** NinjaTrader export text: bar CLOSE time in local time, ';' separated. */
function ninjaText(bars, eol) {
  return bars.map(b => [ninjaStamp(b.openMs + b.stepMin * MINUTE_MS), ...b.fields].join(';')).join(eol) + eol
}

// Windows of bar open times (UTC); comments give Los Angeles time.
const W = {
  // Thu 2024-02-29 12:00 PST .. Fri 03-01 12:00 PST: leap day, UTC month change at 16:00 PST.
  leap: [Date.UTC(2024, 1, 29, 20), Date.UTC(2024, 2, 1, 20)],
  // Sat 2024-03-09 18:00 PST .. Sun 03-10 12:00 PDT: clocks jump 02:00 -> 03:00.
  spring: [Date.UTC(2024, 2, 10, 2), Date.UTC(2024, 2, 10, 19)],
  // Sat 2024-11-02 18:00 PDT .. Sun 11-03 06:00 PST: 01:00..01:59 happens twice.
  fall: [Date.UTC(2024, 10, 3, 1), Date.UTC(2024, 10, 3, 14)],
}

/**
 * The imports, in order. ES 1m comes in two files: the second repeats the first one's last
 * two hours (identical bars, kept with the first job) and adds the rest of the spring day,
 * so the 2024-03 partition is rewritten holding rows of both jobs.
 */
function fixtureImports() {
  const es = { seed: 1, startTicks: 19905, format: quarterTicks, stepMin: 1 } // 4976.25
  const esBars = [
    ...makeBars({ ...es, fromMs: W.leap[0], toMs: W.leap[1] }),
    ...makeBars({ ...es, seed: 2, fromMs: W.spring[0], toMs: W.spring[1] }),
    ...makeBars({ ...es, seed: 3, fromMs: W.fall[0], toMs: W.fall[1] }),
  ]
  const split = esBars.findIndex(b => b.openMs === W.fall[0]) - 300
  const cl = { seed: 11, startTicks: 7250, format: centTicks, stepMin: 1 } // 72.50
  const clBars = [
    ...makeBars({ ...cl, fromMs: W.leap[0], toMs: W.leap[1] }),
    ...makeBars({ ...cl, seed: 12, fromMs: W.spring[0], toMs: W.spring[1] }),
    ...makeBars({ ...cl, seed: 13, fromMs: W.fall[0], toMs: W.fall[1] }),
  ]
  const es5 = makeBars({ seed: 21, startTicks: 19905, format: quarterTicks, stepMin: 5, fromMs: W.leap[0], toMs: W.spring[1] })
  return [
    { file: 'ES 1m part1.Last.txt', symbol: 'ES', timeframe: '1m', bars: esBars.slice(0, split), eol: '\n' },
    { file: 'ES 1m part2.Last.txt', symbol: 'ES', timeframe: '1m', bars: esBars.slice(split - 120), eol: '\n' },
    { file: 'CL 1m.Last.txt', symbol: 'CL', timeframe: '1m', bars: clBars, eol: '\r\n' },
    { file: 'ES 5m.Last.txt', symbol: 'ES', timeframe: '5m', bars: es5, eol: '\n' },
  ]
}

// ---------------------------------------------------------------- barlake

const CHILD_ENV = { ...process.env }
delete CHILD_ENV.BARLAKE_VAULT // the vault is always passed with --vault
delete CHILD_ENV.BARLAKE_CRASH_AT // crash injection must not leak in from the caller

/** Runs barlake; a failure is fatal, or with `problems` is recorded there (and gives null). */
function runBarlake(bin, args, problems = null) {
  const r = spawnSync(bin, args, { encoding: 'utf8', maxBuffer: 2 ** 31 - 1, env: CHILD_ENV })
  const shown = ['barlake', ...args].map(a => (/[\s"']/.test(a) ? JSON.stringify(a) : a)).join(' ')
  if (r.error) die(`could not run ${shown}: ${r.error.message}`)
  if (r.status !== 0) {
    const msg = `${shown} failed (${r.signal ? 'signal ' + r.signal : 'exit ' + r.status}):\n    ${r.stderr.trim().replace(/\n/g, '\n    ')}`
    if (!problems) die(msg)
    problems.push(msg)
    return null
  }
  return r.stdout
}

/** `barlake read` CSV -> rows {ts: BigInt micros, v: [5 numbers]}; format problems are fatal. */
function parseReadCsv(text, what) {
  const lines = text.split('\n')
  if (lines.at(-1) === '') lines.pop()
  const header = 'ts,open,high,low,close,volume'
  if (lines[0] !== header) die(`${what}: expected header '${header}', got '${lines[0]}'`)
  return lines.slice(1).map((line, i) => {
    const where = `${what}: CSV line ${i + 2} '${line}'`
    const f = line.split(',')
    if (f.length !== 6) die(`${where}: expected 6 fields`)
    const ts = parseIsoZ(f[0])
    if (ts === null) die(`${where}: ts is not ISO 8601 UTC (yyyy-mm-ddThh:mm:ss[.ffffff]Z)`)
    const v = f.slice(1).map(x => (CSV_NUMBER.test(x) ? Number(x) : die(`${where}: '${x}' is not a number`)))
    return { ts, v }
  })
}

// ---------------------------------------------------------------- lake via hyparquet

const COLUMNS = ['ts', 'open', 'high', 'low', 'close', 'volume', 'job', 'flags']
const VALUES = ['open', 'high', 'low', 'close', 'volume']
const HIVE = [/^symbol=(.+)$/, /^timeframe=(.+)$/, /^period=(\d{4}-(?:0[1-9]|1[0-2]))$/]

function listFiles(dir) {
  const out = []
  const walk = d => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name)
      if (e.isDirectory()) walk(p)
      else out.push(p)
    }
  }
  walk(dir)
  return out.sort()
}

function checkSchema(md, rel, problems) {
  const leaves = md.schema.slice(1)
  const names = leaves.map(e => e.name)
  if (names.join(',') !== COLUMNS.join(',')) {
    problems.push(`${rel}: columns are [${names}], expected [${COLUMNS}]`)
    return false
  }
  const ts = leaves[0]
  const lt = ts.logical_type
  if (ts.type !== 'INT64' || lt?.type !== 'TIMESTAMP' || lt.unit !== 'MICROS' || lt.isAdjustedToUTC !== true) {
    problems.push(`${rel}: ts is ${ts.type} ${JSON.stringify(lt)}, expected INT64 TIMESTAMP(MICROS, isAdjustedToUTC)`)
  }
  for (const e of leaves.slice(1, 6)) {
    if (e.type !== 'DOUBLE' || e.logical_type || e.converted_type) problems.push(`${rel}: ${e.name} is ${e.type}, expected DOUBLE`)
  }
  const job = leaves[6]
  if (job.type !== 'INT64' || (job.converted_type && job.converted_type !== 'INT_64')) {
    problems.push(`${rel}: job is ${job.type}/${job.converted_type}, expected INT64 (BIGINT)`)
  }
  const flags = leaves[7]
  if (flags.type !== 'INT32' || flags.converted_type !== 'UINT_8') {
    problems.push(`${rel}: flags is ${flags.type}/${flags.converted_type}, expected INT32 UINT_8 (UTINYINT)`)
  }
  return true
}

const same = (a, b) => (typeof a === 'bigint' || typeof b === 'bigint' ? a === b : Object.is(a, b))

/** Footer statistics, where present, must describe the row group's rows exactly. */
function checkStatistics(md, rows, rel, problems) {
  let first = 0
  md.row_groups.forEach((rg, g) => {
    const n = Number(rg.num_rows)
    const slice = rows.slice(first, first + n)
    first += n
    rg.columns.forEach((chunk, c) => {
      const st = chunk.meta_data?.statistics
      if (!st || slice.length === 0) return
      const col = COLUMNS[c]
      const vals = slice.map(r => r[col])
      const lt = (a, b) => a < b
      const min = vals.reduce((m, x) => (lt(x, m) ? x : m))
      const max = vals.reduce((m, x) => (lt(m, x) ? x : m))
      const lo = st.min_value ?? st.min
      const hi = st.max_value ?? st.max
      if (lo !== undefined && !same(lo, min)) problems.push(`${rel}: row group ${g} ${col} statistics min ${lo} but the rows' min is ${min}`)
      if (hi !== undefined && !same(hi, max)) problems.push(`${rel}: row group ${g} ${col} statistics max ${hi} but the rows' max is ${max}`)
      if (st.null_count !== undefined && st.null_count !== 0n) problems.push(`${rel}: row group ${g} ${col} statistics null_count ${st.null_count}`)
    })
  })
}

/**
 * Read every partition file with hyparquet. Returns {datasets: Map 'S/TF' -> rows sorted by
 * ts, files: how many were read}. Rows are {ts: BigInt, v: [5 numbers], job: BigInt, file}.
 */
async function readLake(hp, lakeDir, problems) {
  if (!existsSync(lakeDir)) die(`no lake folder at ${lakeDir}`)
  const parsers = { timestampFromMicroseconds: us => us } // keep BigInt micros, not a Date
  const datasets = new Map()
  let files = 0
  for (const path of listFiles(lakeDir)) {
    const rel = relative(lakeDir, path).split(sep).join('/')
    const parts = rel.split('/')
    if (!rel.endsWith('.parquet')) continue // other files do not bother Parquet readers
    const hive = parts.slice(0, 3).map((p, i) => HIVE[i].exec(p))
    if (parts.length !== 4 || parts[3] !== 'data.parquet' || hive.some(m => !m)) {
      problems.push(`lake/${rel}: a Parquet file outside symbol=S/timeframe=TF/period=YYYY-MM/data.parquet ` +
        '(a reader globbing lake/**/*.parquet would read it)')
      continue
    }
    const [symbol, timeframe, period] = hive.map(m => m[1])
    files++
    const file = await hp.asyncBufferFromFile(path)
    let md, rows
    try {
      md = await hp.parquetMetadataAsync(file, { parsers })
      if (!checkSchema(md, `lake/${rel}`, problems)) continue
      rows = await hp.parquetReadObjects({ file, metadata: md, parsers, compressors: hp.compressors })
    } catch (e) {
      problems.push(`lake/${rel}: hyparquet cannot read it: ${e.message}`)
      continue
    }
    if (rows.length !== Number(md.num_rows)) problems.push(`lake/${rel}: footer says ${md.num_rows} rows, hyparquet read ${rows.length}`)
    if (rows.length === 0) problems.push(`lake/${rel}: no rows`)
    checkStatistics(md, rows, `lake/${rel}`, problems)
    const key = `${symbol}/${timeframe}`
    if (!datasets.has(key)) datasets.set(key, [])
    const out = datasets.get(key)
    let prev = null
    let rowProblems = 0
    const bad = msg => rowProblems++ < 5 && problems.push(msg) // at most 5 row messages a file
    rows.forEach((r, i) => {
      const where = `lake/${rel} row ${i}`
      if (typeof r.ts !== 'bigint') return bad(`${where}: ts is ${r.ts} (${typeof r.ts}), expected INT64 micros`)
      if (typeof r.job !== 'bigint') bad(`${where}: job is ${r.job}, expected BIGINT`)
      // 16 = provisional: the last bar of an imported file (docs/validation.md), and the
      // bars built from it.
      if (r.flags !== 0 && r.flags !== 16) bad(`${where}: flags is ${r.flags}, expected 0 or 16 (provisional)`)
      for (const c of VALUES) if (typeof r[c] !== 'number') bad(`${where} (${iso(r.ts)}): ${c} is ${r[c]}, expected DOUBLE`)
      if (prev !== null && r.ts <= prev) bad(`${where}: ts ${iso(r.ts)} is not after the previous row's ${iso(prev)}`)
      prev = r.ts
      if (utcMonth(r.ts) !== period) bad(`${where}: ts ${iso(r.ts)} is not in the folder's period=${period}`)
      out.push({ ts: r.ts, v: VALUES.map(c => r[c]), job: r.job, file: rel })
    })
    if (rowProblems > 5) problems.push(`lake/${rel}: ... and ${rowProblems - 5} more row problems in this file`)
  }
  for (const rows of datasets.values()) rows.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0))
  for (const [key, rows] of datasets) {
    for (let i = 1; i < rows.length; i++) {
      if (rows[i].ts !== rows[i - 1].ts) continue
      const [a, b] = [rows[i - 1].file, rows[i].file]
      problems.push(`${key}: ts ${iso(rows[i].ts)} is ${a === b ? `twice in lake/${a}` : `in both lake/${a} and lake/${b}`}`)
    }
  }
  return { datasets, files }
}

// ---------------------------------------------------------------- comparison

/** Row-by-row comparison of two ts-sorted row lists; records at most 10 differences. */
function compareRows(what, lakeRows, otherRows, otherName, problems) {
  const diffs = []
  const max = 10
  if (lakeRows.length !== otherRows.length) {
    const a = new Set(lakeRows.map(r => r.ts))
    const b = new Set(otherRows.map(r => r.ts))
    const onlyLake = lakeRows.filter(r => !b.has(r.ts)).slice(0, 5).map(r => iso(r.ts))
    const onlyOther = otherRows.filter(r => !a.has(r.ts)).slice(0, 5).map(r => iso(r.ts))
    problems.push(`${what}: hyparquet read ${lakeRows.length} rows, ${otherName} has ${otherRows.length}` +
      `; only in the lake: [${onlyLake}]; only in ${otherName}: [${onlyOther}]`)
    return
  }
  let badRows = 0
  for (let i = 0; i < lakeRows.length; i++) {
    const a = lakeRows[i]
    const b = otherRows[i]
    const here = []
    if (a.ts !== b.ts) {
      here.push(`row ${i}: ts ${iso(a.ts)} (${a.ts} us) in the lake, ${iso(b.ts)} (${b.ts} us) in ${otherName}`)
    } else {
      VALUES.forEach((c, k) => {
        if (!Object.is(a.v[k], b.v[k])) here.push(`row ${i} ts ${iso(a.ts)}: ${c} is ${a.v[k]} in the lake, ${b.v[k]} in ${otherName}`)
      })
      if (b.job !== undefined && a.job !== b.job) here.push(`row ${i} ts ${iso(a.ts)}: job is ${a.job} in the lake, expected ${b.job}`)
    }
    if (here.length && badRows++ < max) diffs.push(...here)
  }
  if (badRows > max) diffs.push(`... ${badRows} of ${lakeRows.length} rows differ`)
  if (diffs.length) problems.push(`${what}: the lake (hyparquet) and ${otherName} differ:\n    ${diffs.join('\n    ')}`)
}

// ---------------------------------------------------------------- main

function usage() {
  die('usage: node hyparquet_roundtrip.mjs BARLAKE SCRATCH_DIR\n' +
    '       node hyparquet_roundtrip.mjs BARLAKE --existing-vault VAULT_DIR')
}

async function main(argv) {
  const nodeMajor = Number(process.versions.node.split('.')[0])
  if (nodeMajor < 20) die(`node ${process.version} is too old: the interop tests need node >= 20`)
  if (argv.length !== 2 && !(argv.length === 3 && argv[1] === '--existing-vault')) usage()
  const bin = resolve(argv[0])
  if (!existsSync(bin) || !statSync(bin).isFile()) die(`barlake binary not found at ${bin} (build it first)`)
  const hp = await loadHyparquet()
  const problems = []
  let vault
  let expected = null // Map 'S/TF' -> expected rows (fixture mode)

  if (argv.length === 3) {
    vault = resolve(argv[2])
  } else {
    const scratch = resolve(argv[1])
    vault = join(scratch, 'vault')
    const fixtures = join(scratch, 'fixtures')
    rmSync(vault, { recursive: true, force: true })
    rmSync(fixtures, { recursive: true, force: true })
    mkdirSync(fixtures, { recursive: true })
    runBarlake(bin, ['init', vault, '--name', 'interop'])
    expected = new Map()
    for (const imp of fixtureImports()) {
      const path = join(fixtures, imp.file)
      writeFileSync(path, ninjaText(imp.bars, imp.eol))
      const out = runBarlake(bin, ['--vault', vault, 'import', path, '--symbol', imp.symbol,
        '--timeframe', imp.timeframe, '--tz', 'America/Los_Angeles', '--json'])
      let r
      try {
        r = JSON.parse(out)
      } catch {
        die(`import ${imp.file} --json printed no JSON object: ${out}`)
      }
      if (r.status !== 'completed' || r.rows_read !== imp.bars.length || r.rows_rejected !== 0 ||
          r.rows_conflicting !== 0 || r.rows_added + r.rows_identical + (r.provisional_completed || 0) !== imp.bars.length) {
        die(`import of ${imp.file} (${imp.bars.length} bars) did not add every bar cleanly: ${out.trim()}`)
      }
      const key = `${imp.symbol}/${imp.timeframe}`
      if (!expected.has(key)) expected.set(key, new Map())
      const rows = expected.get(key)
      imp.bars.forEach((b, k) => {
        const ts = BigInt(b.openMs) * US_PER_MS
        const last = k === imp.bars.length - 1 // the file's last bar is stored provisional
        const prior = rows.get(ts) // overlapping identical bar: the first import keeps it...
        if (!prior) rows.set(ts, { ts, v: b.fields.map(Number), job: BigInt(r.job), prov: last })
        // ...unless it was provisional and this file holds it final: this job completes it.
        else if (prior.prov && !last) rows.set(ts, { ts, v: b.fields.map(Number), job: BigInt(r.job), prov: false })
      })
    }
    for (const [key, rows] of expected) expected.set(key, [...rows.values()].sort((a, b) => (a.ts < b.ts ? -1 : 1)))
  }

  const lake = await readLake(hp, join(vault, 'lake'), problems)
  let rowsTotal = 0
  let ranges = 0
  for (const [key, rows] of lake.datasets) {
    rowsTotal += rows.length
    const [symbol, timeframe] = key.split('/')
    const out = runBarlake(bin, ['--vault', vault, 'read', symbol, timeframe], problems)
    if (out === null) continue
    const csv = parseReadCsv(out, `read ${symbol} ${timeframe}`)
    compareRows(`${key} (whole dataset)`, rows, csv, '`barlake read` CSV', problems)
  }
  if (expected) {
    const keys = a => [...a.keys()].sort().join(', ')
    if (keys(lake.datasets) !== keys(expected)) {
      problems.push(`the lake holds datasets [${keys(lake.datasets)}], the fixture imported [${keys(expected)}]`)
    }
    for (const [key, rows] of expected) {
      if (lake.datasets.has(key)) compareRows(`${key} (fixture)`, lake.datasets.get(key), rows, 'the fixture', problems)
    }
    // Ranges: across the UTC month change and the spring-forward jump; and the repeated
    // local hour of the fall-back day, given with explicit offsets.
    for (const [symbol, from, to] of [
      ['ES', '2024-02-29T23:30:00Z', '2024-03-10T10:30:00Z'],
      ['CL', '2024-11-03T01:30:00-07:00', '2024-11-03T01:30:00-08:00'],
    ]) {
      const lo = BigInt(Date.parse(from)) * US_PER_MS
      const hi = BigInt(Date.parse(to)) * US_PER_MS
      const want = (lake.datasets.get(`${symbol}/1m`) ?? []).filter(r => r.ts >= lo && r.ts < hi)
      if (want.length === 0) problems.push(`range ${from}..${to}: the lake has no ${symbol} 1m rows there`)
      const out = runBarlake(bin, ['--vault', vault, 'read', symbol, '1m', '--from', from, '--to', to], problems)
      ranges++
      if (out === null) continue
      const csv = parseReadCsv(out, `read ${symbol} 1m --from ${from} --to ${to}`)
      compareRows(`${symbol}/1m --from ${from} --to ${to}`, want, csv, '`barlake read` CSV', problems)
    }
  }
  if (lake.files === 0) problems.push(`no data.parquet files under ${join(vault, 'lake')}`)

  if (problems.length) {
    const shown = problems.slice(0, 30)
    if (problems.length > shown.length) shown.push(`... and ${problems.length - shown.length} more`)
    die(`${problems.length} problem(s) in ${vault}:\n  ${shown.join('\n  ')}`)
  }
  const extra = expected ? `, the fixture and ${ranges} --from/--to reads` : ''
  console.log(`${NAME}: OK: hyparquet ${hp.version} read ${lake.files} files (${lake.datasets.size} datasets, ` +
    `${rowsTotal} rows) under ${join(vault, 'lake')} exactly as \`barlake read\` prints them` +
    `${extra}; hive folders, ts order, schema and statistics agree`)
}

main(process.argv.slice(2)).catch(e => {
  console.error(`${NAME}: FAIL: ${e instanceof Fatal ? e.message : e.stack}`)
  process.exit(1)
})
