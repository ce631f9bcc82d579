// Loaded with `node --import` into a child process that bench/intake-bench.ts measures: reports
// the process's peak resident set size (worker threads included) as it exits.
process.on("exit", () => {
  process.stderr.write(`\nmax-rss-kib ${process.resourceUsage().maxRSS}\n`)
})
