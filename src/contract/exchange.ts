/** One request of the contract suite and its answer, as recorded (types only). */

/** How a request authenticated: the API token, or the upload JWT of a session (bucket uploads). */
export type ExchangeAuth = "api-token" | "upload-jwt";

export interface RecordedPart {
  name: string;
  filename?: string;
  contentType?: string;
  /** Bytes of the part's content. */
  size: number;
  text: string;
}

export interface Exchange {
  /** 1, 2, … in the order sent. */
  seq: number;
  /** The id of the check that sent it (or "cleanup"). */
  check: string;
  method: string;
  /** Relative to the API base (…/client/v4), query included. */
  path: string;
  auth: ExchangeAuth;
  request: { contentType?: string; json?: unknown; parts?: RecordedPart[] };
  response: {
    status: number;
    /** Only the headers worth comparing: see RECORDED_RESPONSE_HEADERS. */
    headers: Record<string, string>;
    /** The body parsed as JSON, or else its text. */
    json?: unknown;
    text?: string;
  };
  ms: number;
}

/** Response headers a recording keeps: what the suite judges, plus what Cloudflare support asks for (`cf-ray`). */
export const RECORDED_RESPONSE_HEADERS = ["content-type", "ratelimit", "ratelimit-policy", "retry-after", "date", "cf-ray"] as const;
