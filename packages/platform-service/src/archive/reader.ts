/** The contract between the archive readers (tar-reader.ts, zip-reader.ts) and the writer (extract.ts). */
import type { ArchiveEntry } from "./entry-rules.ts";

/** Opens an entry's content; called at most once, and only for entries the handler admitted as files. */
export type OpenContent = () => Promise<AsyncIterable<Uint8Array>>;

/**
 * Called for each entry in archive order; the next entry is read only after the returned promise settles.
 * A rejection stops reading and becomes the reader's rejection.
 */
export type EntryHandler = (entry: ArchiveEntry, open: OpenContent) => Promise<void>;
