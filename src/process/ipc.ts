/** The messages between the primary and its gateway processes (WORKERS > 1), over node:cluster's IPC. */
export type WorkerMessage =
  | { readonly type: 'authura:listening' }
  | { readonly type: 'authura:failed'; readonly message: string }
  | { readonly type: 'authura:metrics-request'; readonly id: number };

export type PrimaryMessage = { readonly type: 'authura:metrics'; readonly id: number; readonly text?: string; readonly error?: string };

export function isMessage<T extends { type: string }>(value: unknown, type: T['type']): value is T {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === type;
}
