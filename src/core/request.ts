/** Who is asking, as operations and the audit trail see a request (no HTTP framework in it). */
export interface RequestScope {
  readonly requestId: string;
  /** The client's address (forwarding headers believed only from trusted proxies). */
  readonly clientIp: string;
  /** `null` when multi-tenancy is off. */
  readonly tenantId: string | null;
  /** The path, never the query (a query may hold a mailed token). */
  readonly path: string;
  /** The request carried a captcha token the captcha service accepted (CAPTCHA on). */
  readonly captchaSolved?: boolean;
}
