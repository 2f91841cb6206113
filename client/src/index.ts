// @authura/client: a typed client for the Authura gateway, for browsers and Node 20+.
export type { ErrorBody, ErrorCode, Operations, Tokens, User } from './api.js';
export { ERROR_CODES, OPERATIONS } from './api.js';
export { type AuthuraClient, type AuthuraClientOptions, type CallOptions, createAuthuraClient, type OperationCall, type OperationError } from './client.js';
export { AuthuraError, type ClientErrorCode, isAuthuraError } from './errors.js';
export { type Clock, memoryStore, SessionKeeper, type SessionState, type SessionStore, webStorageStore } from './session.js';
