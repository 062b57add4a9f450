/**
 * Each tenant's hash salt (the resource's `hashSalt`): HMAC-SHA256 of the tenant name under a service secret.
 * Salted hashes keep a tenant's stored objects apart from every other tenant's in the shared namespace
 * store; deriving the salt from a secret (not from the name alone) means no tenant can compute another's
 * salt and probe whether Cloudflare already holds a given file for it. Stable: same secret + name, same salt,
 * so a re-upload of the same files uploads nothing.
 */
import { createHmac } from "node:crypto";

/** Changing this re-uploads every tenant's files once (the salt changes), so it is fixed. */
const DOMAIN = "wfp-platform-service/hash-salt/v1";

export function tenantSalt(secret: string, tenant: string): string {
  return createHmac("sha256", secret).update(`${DOMAIN}\0${tenant}`).digest("hex");
}
