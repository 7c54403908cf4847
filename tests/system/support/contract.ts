/**
 * Checks an HTTP exchange against a published OpenAPI 3.0 document: the request must match
 * an operation, and its answer a status the operation lists, a content type listed for that
 * status, a body valid against that content's schema, and every header documented as
 * required. ajv validates the schemas: OpenAPI 3.0's schema object is JSON Schema draft-05
 * with `nullable`, which ajv's default draft-07 engine reads natively; `example` is an
 * annotation only.
 */
import { Ajv, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'
import type { OpenApiDocument } from './documents.js'

// ajv-formats is CommonJS: under NodeNext its default export is the module object.
const addFormats = addFormatsModule.default

export interface Exchange {
  method: string
  url: string
  status: number
  headers: Headers
  /** The answer's body as text ('' when it has none). */
  body: string
}

interface MediaType {
  schema?: object
}
interface HeaderObject {
  required?: boolean
  schema?: object
}
interface ResponseObject {
  content?: Record<string, MediaType>
  headers?: Record<string, HeaderObject>
}
interface Operation {
  operationId?: string
  responses?: Record<string, ResponseObject>
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']

interface Route {
  template: string
  pattern: RegExp
  /** Literal paths win over templated ones (`/docs/json` before `/docs/{page}`). */
  literal: boolean
  operations: Record<string, Operation>
}

function routesOf(document: OpenApiDocument): Route[] {
  const routes = Object.entries(document.paths ?? {}).map(([template, item]) => {
    const source = template
      .split(/(\{[^}]+\})/)
      .map((part) => (part.startsWith('{') ? '[^/]+' : part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')))
      .join('')
    const operations: Record<string, Operation> = {}
    for (const [method, operation] of Object.entries(item as Record<string, Operation>)) {
      if (METHODS.includes(method)) operations[method] = operation
    }
    return {
      template,
      pattern: new RegExp(`^${source}$`),
      literal: !template.includes('{'),
      operations,
    }
  })
  return routes.sort((a, b) => Number(b.literal) - Number(a.literal))
}

/** The response object the document gives for `status`: exact, then `4XX`, then `default`. */
function responseFor(operation: Operation, status: number) {
  const responses = operation.responses ?? {}
  return responses[String(status)] ?? responses[`${String(status)[0]}XX`] ?? responses.default
}

function mediaTypeFor(content: Record<string, MediaType>, contentType: string) {
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? ''
  const [major] = type.split('/')
  return content[type] ?? content[`${major}/*`] ?? content['*/*']
}

export class OpenApiContract {
  readonly #routes: Route[]
  readonly #ajv: Ajv
  readonly #validators = new WeakMap<object, ValidateFunction>()

  constructor(
    readonly name: string,
    document: OpenApiDocument,
  ) {
    if (!document.openapi?.startsWith('3.0.')) {
      throw new Error(
        `${name}: the contract check reads OpenAPI 3.0 documents, not ${document.openapi}`,
      )
    }
    this.#routes = routesOf(document)
    this.#ajv = new Ajv({ allErrors: true, strict: true })
    this.#ajv.addVocabulary(['example'])
    addFormats(this.#ajv)
  }

  #validate(schema: object, value: unknown): string[] {
    let validate = this.#validators.get(schema)
    if (!validate) {
      validate = this.#ajv.compile(schema)
      this.#validators.set(schema, validate)
    }
    if (validate(value)) return []
    return (validate.errors ?? []).map((e) => `${e.instancePath || '(body)'} ${e.message}`)
  }

  /** What in the exchange disagrees with the document; empty when nothing does. */
  problems({ method, url, status, headers, body }: Exchange): string[] {
    const path = new URL(url).pathname
    const route = this.#routes.find((r) => r.pattern.test(path))
    const operation = route?.operations[method.toLowerCase()]
    if (!route || !operation) return [`no operation for ${method} ${path}`]
    const response = responseFor(operation, status)
    if (!response) return [`status ${status} is not listed`]

    const problems: string[] = []
    for (const [name, header] of Object.entries(response.headers ?? {})) {
      if (header.required && !headers.has(name)) problems.push(`required header ${name} missing`)
    }
    const contentType = headers.get('content-type')
    if (body === '' && !contentType) return problems
    const listed = Object.keys(response.content ?? {})
    const media = mediaTypeFor(response.content ?? {}, contentType ?? '')
    if (!media) {
      problems.push(`content type ${contentType} is not listed (${listed.join(', ') || 'none'})`)
      return problems
    }
    if (!media.schema || method === 'HEAD') return problems
    let value: unknown = body
    if (/[/+]json$/.test(contentType?.split(';')[0]?.trim() ?? '')) {
      try {
        value = JSON.parse(body)
      } catch {
        return [...problems, `body is not JSON: ${body.slice(0, 100)}`]
      }
    }
    return [...problems, ...this.#validate(media.schema, value)]
  }

  /** The operation an exchange is checked against, for messages. */
  operationOf(method: string, url: string) {
    const path = new URL(url).pathname
    const route = this.#routes.find((r) => r.pattern.test(path))
    return route?.operations[method.toLowerCase()]?.operationId ?? `${method} ${path}`
  }
}
