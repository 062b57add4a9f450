import { z } from "zod";

/** Cloudflare accepts at most 8 tags per script (Workers for Platforms limits, docs/cloudflare-api.md §15.1). */
export const MAX_TAGS = 8;
/** The owner marker this package sets on every script it deploys (src/deploy/ownership.ts). */
export const OWNER_TAG_PREFIX = "wfp-owner=";
/** Tags left for the user once the owner tag is set. */
export const MAX_USER_TAGS = MAX_TAGS - 1;

/** The tags a user declares: the owner marker's prefix is reserved, and one of the 8 slots is the marker's. */
export const userTagsSchema = z
  .array(
    z
      .string()
      .min(1, { error: "a tag must not be empty" })
      .refine((tag) => !tag.startsWith(OWNER_TAG_PREFIX), { error: `tags starting with "${OWNER_TAG_PREFIX}" are reserved for the owner marker this package sets` }),
  )
  .max(MAX_USER_TAGS, { error: `at most ${MAX_USER_TAGS} tags: Cloudflare allows ${MAX_TAGS} per script and this package keeps one for its owner marker` });

/** The full list a deploy sends (user tags plus the owner marker). */
export const scriptTagsSchema = z
  .array(z.string().min(1, { error: "a tag must not be empty" }))
  .max(MAX_TAGS, { error: `at most ${MAX_TAGS} tags per script (Cloudflare's limit)` });
