/** What the typed client throws: a problem the API answered with, or a server it could not reach. */

export interface FieldError {
  field: string;
  message: string;
}

/** The API answered with an error (RFC 9457 problem details): 400, 401, 404, 409, 412, 503, … */
export class L01ProblemError extends Error {
  override readonly name = 'L01ProblemError';
  readonly status: number;
  readonly title: string;
  readonly detail?: string;
  readonly type: string;
  readonly instance?: string;
  /** Which fields were invalid, and why (400). */
  readonly errors: FieldError[];
  /** `X-Request-Id` of the failed request: quote it when reporting a 5xx. */
  readonly requestId?: string;
  /** For a 412: the entity's current version (from the ETag). */
  readonly currentVersion?: number;

  constructor(body: { status: number; title: string; detail?: string; type?: string; instance?: string; errors?: FieldError[] }, headers?: Headers) {
    super(body.detail ? `${body.status} ${body.title}: ${body.detail}` : `${body.status} ${body.title}`);
    this.status = body.status;
    this.title = body.title;
    this.detail = body.detail;
    this.type = body.type ?? 'about:blank';
    this.instance = body.instance;
    this.errors = body.errors ?? [];
    this.requestId = headers?.get('x-request-id') ?? undefined;
    const etag = headers?.get('etag');
    if (etag && /^"\d+"$/.test(etag)) this.currentVersion = Number(etag.slice(1, -1));
  }
}

/** The API could not be reached (connection refused, reset, timeout) after every retry. */
export class L01ConnectionError extends Error {
  override readonly name = 'L01ConnectionError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
