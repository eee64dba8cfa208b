import type { AuthUser } from './jwt.js';

// Every route under /api/v1 runs after the auth hook, which sets request.user from the verified token.
declare module 'fastify' {
  interface FastifyRequest {
    user: AuthUser;
  }
}
