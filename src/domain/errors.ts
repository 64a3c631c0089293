// The error every domain service throws for bad client input: the route answers its status (4xx)
// with its message, which names the field or limit at fault.
export class InputError extends Error {
  override name = 'InputError'
  constructor (message: string, readonly statusCode = 400, readonly extra: Record<string, unknown> = {}) { super(message) }
}
