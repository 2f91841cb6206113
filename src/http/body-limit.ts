import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { AppError } from '../core/errors.js';
import { MAX_BODY_BYTES } from './body.js';
import type { AppEnv } from './context.js';

/**
 * Refuses bodies over {@link MAX_BODY_BYTES}. A declared Content-Length is checked from the
 * header (Node's parser holds the body to it); only a chunked body is counted as it streams, by
 * Hono's bodyLimit. Reading requests are let through untouched: asking a Node request for its
 * body stream would build a whole fetch Request for every GET /user.
 */
export function limitBodySize(): MiddlewareHandler<AppEnv> {
  const tooLarge = () => new AppError('payload_too_large', `The request body is larger than ${MAX_BODY_BYTES / 1024} KiB`);
  const streamed = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw tooLarge();
    },
  });
  return async function limitBody(c, next) {
    if (c.req.method === 'GET' || c.req.method === 'HEAD' || c.req.method === 'OPTIONS') return next();
    const length = c.req.header('content-length');
    if (length === undefined || c.req.header('transfer-encoding') !== undefined) return streamed(c, next);
    if (!/^\d+$/.test(length) || Number(length) > MAX_BODY_BYTES) throw tooLarge();
    return next();
  };
}
