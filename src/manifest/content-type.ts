import mime from "mime";

/**
 * Sentinel Content-Type for assets whose type is unknown. Cloudflare reads it as "serve without a
 * Content-Type"; sending nothing instead would let multipart encoders substitute application/octet-stream.
 */
export const UNKNOWN_CONTENT_TYPE = "application/null";

/**
 * Content-Type an asset is uploaded (and later served) with, as wrangler derives it: the `mime` table by
 * extension (case-insensitive), `; charset=utf-8` added to text/* types that carry no charset, and
 * `application/null` for unknown extensions and extensionless names (`Makefile`, `.htaccess`).
 */
export function contentTypeFor(filePath: string): string {
  const type = mime.getType(filePath);
  if (!type) return UNKNOWN_CONTENT_TYPE;
  if (type.startsWith("text/") && !/;\s*charset=/i.test(type)) return `${type}; charset=utf-8`;
  return type;
}
