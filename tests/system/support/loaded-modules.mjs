// Preloaded into a service process by a test: when the process exits, writes the file of
// every CommonJS module it loaded (OpenTelemetry's packages are CommonJS, imported or not
// from ES modules) to LOADED_MODULES_FILE, one a line.
import { writeFileSync } from 'node:fs'
import { Module } from 'node:module'

process.on('exit', () => {
  writeFileSync(process.env.LOADED_MODULES_FILE, Object.keys(Module._cache).join('\n'))
})
