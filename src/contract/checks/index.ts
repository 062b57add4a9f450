/**
 * The contract checks, in the order they run (later ones build on what earlier ones deployed). Cleanup — deleting
 * the scratch namespace — is not a check here: the runner always does it (../runner.ts).
 */
import type { ContractCheck } from "../context.js";
import { bucketUploads, completionJwt, sessionDeduplicated, uploadSession } from "./assets.js";
import { listByTag, listPages } from "./listing.js";
import { namespaceCreate, namespaceGet } from "./namespace.js";
import { rateLimitHeaders } from "./rate-limit.js";
import { deleteByTag, deleteScript, missingScript } from "./removal.js";
import { keepAssets, scriptGet, scriptPutAssetsOnly, scriptPutWithCode, scriptSettings, scriptTags } from "./scripts.js";

export const CONTRACT_CHECKS: readonly ContractCheck[] = [
  namespaceCreate,
  namespaceGet,
  uploadSession,
  bucketUploads,
  completionJwt,
  scriptPutWithCode,
  scriptGet,
  scriptSettings,
  scriptTags,
  sessionDeduplicated,
  scriptPutAssetsOnly,
  keepAssets,
  listByTag,
  listPages,
  missingScript,
  deleteScript,
  deleteByTag,
  rateLimitHeaders,
];
