// Fastify's per-request lines ("incoming request", "request completed") at debug instead of info, so a
// normal run at info is quiet; a request that ended in an error keeps its line at error.
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify'

export class QuietRequestLog extends LogController {
  override incomingRequest (request: FastifyRequest) {
    request.log.debug({ req: request }, 'incoming request')
  }

  override requestCompleted (error: Error | null, _request: FastifyRequest, reply: FastifyReply) {
    if (error) reply.log.error({ res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored')
    else reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed')
  }
}
