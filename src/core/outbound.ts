/** Why an outbound call produced no answer. */
type OutboundFailure = 'timeout' | 'unreachable' | 'too_large';

/** The one error of an outbound call that got no usable answer; the fetch error is its cause. */
export class OutboundError extends Error {
  readonly code: OutboundFailure;
  constructor(code: OutboundFailure, message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'OutboundError';
    this.code = code;
  }
}

interface OutboundRequest {
  readonly method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  readonly headers?: Record<string, string>;
  readonly body?: string | URLSearchParams;
  /** The whole exchange — connect, send, every byte of the answer — within this. */
  readonly timeoutMs: number;
  /** Answers longer than this are refused (`too_large`). Default 1 MiB. */
  readonly maxBytes?: number;
}

interface OutboundAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

const DEFAULT_MAX_BYTES = 1024 * 1024;

/**
 * The gateway's only way out to HTTP (webhooks, captcha, the HTTP and Hasura backends, OAuth user
 * lookups, the audit collector): one deadline for the whole exchange, redirects never followed (a
 * 3xx is an answer like any other: whoever we call cannot send us, and our credentials, elsewhere),
 * the answer read whole but bounded. Any status is an answer; only no answer is an
 * {@link OutboundError}.
 */
export async function send(url: string | URL, request: OutboundRequest): Promise<OutboundAnswer> {
  const signal = AbortSignal.timeout(request.timeoutMs);
  const limit = request.maxBytes ?? DEFAULT_MAX_BYTES;
  let response: Response;
  try {
    response = await fetch(url, { method: request.method ?? 'GET', headers: request.headers, body: request.body, signal, redirect: 'manual' });
  } catch (error) {
    throw failure(error, 'no answer');
  }
  try {
    return { status: response.status, headers: response.headers, text: await readBounded(response, limit) };
  } catch (error) {
    if (error instanceof OutboundError) throw error;
    throw failure(error, 'the answer broke off');
  }
}

/** A 2xx answer's body as JSON; anything else is `undefined` (the caller says what that means). */
export function jsonOf(answer: OutboundAnswer): unknown {
  try {
    return answer.text === '' ? undefined : (JSON.parse(answer.text) as unknown);
  } catch {
    return undefined;
  }
}

async function readBounded(response: Response, limit: number): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > limit) {
    void response.body?.cancel();
    throw new OutboundError('too_large', `the answer is larger than ${limit} bytes`);
  }
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > limit) throw new OutboundError('too_large', `the answer is larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function failure(error: unknown, what: string): OutboundError {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'TimeoutError' || name === 'AbortError'
    ? new OutboundError('timeout', `${what} in time`, { cause: error })
    : new OutboundError('unreachable', what, { cause: error });
}
