import { join } from 'node:path'
import { PROMETHEUS_DIR, readYaml } from './files.js'

export interface PrometheusConfig {
  rule_files: string[]
  scrape_configs: {
    job_name: string
    dns_sd_configs?: { names: string[]; type: string; port: number }[]
    static_configs?: { targets: string[] }[]
  }[]
}

interface RuleFile {
  groups: { name: string; rules: { alert?: string; record?: string; expr: string }[] }[]
}

export const prometheusConfig = () =>
  readYaml<PrometheusConfig>(join(PROMETHEUS_DIR, 'prometheus.yml'))

/** Every rule of every rule file prometheus.yml loads. */
export async function rules() {
  const config = await prometheusConfig()
  const files = await Promise.all(
    config.rule_files.map((file) => readYaml<RuleFile>(join(PROMETHEUS_DIR, file))),
  )
  return files.flatMap((file) => file.groups.flatMap((group) => group.rules))
}
