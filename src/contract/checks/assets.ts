/**
 * The upload protocol: a session lists the hashes the namespace's store lacks in buckets and hands out an upload
 * JWT; each bucket goes up as base64 multipart authenticated by that JWT; the request after which every hash is
 * stored answers 201 with the completion JWT (202 `{}` before). A second session for stored files needs no upload.
 */
import type { CheckContext, ContractCheck } from "../context.js";
import { ContractFailure, Problems, expectResult } from "../expect.js";
import { jwtProblems } from "../jwt-claims.js";
import { sessionPath, uploadPath } from "../paths.js";
import { assetUploadSchema, sessionSchema } from "../schemas.js";
import { manifestOf } from "../site.js";

/** Opens a session for `script`; returns its JWT and buckets after checking their form. */
async function openSession(ctx: CheckContext, script: string, p: Problems): Promise<{ jwt: string; buckets: string[][] }> {
  const reply = await ctx.call("POST", sessionPath(ctx.account, ctx.names.namespace, script), { json: { manifest: manifestOf(ctx.state.site) } });
  const session = expectResult(reply, sessionSchema, "POST assets-upload-session");
  // `[]` and `[[]]` both mean "nothing to upload" (wrangler flattens them alike).
  const buckets = (session.buckets ?? []).filter((b) => b.length > 0);
  const listed = buckets.flat();
  const known = new Set(ctx.state.site.map((f) => f.hash));
  p.expect(listed.every((h) => known.has(h)), `POST assets-upload-session: buckets name hashes that are not in the manifest: ${listed.filter((h) => !known.has(h)).join(", ")}`);
  const what = listed.length === 0 ? "the session's JWT (already the completion JWT: nothing to upload)" : "the upload JWT";
  p.add(jwtProblems(session.jwt, reply.serverNowSeconds, `POST assets-upload-session: ${what}`));
  if (!session.jwt) throw new ContractFailure(p.list);
  return { jwt: session.jwt, buckets };
}

/**
 * Uploads the buckets one after another with the upload JWT; every answer before the last is 202 `{}`, the last
 * 201 `{jwt}`. Returns the completion JWT and the server's clock when it came.
 */
async function uploadBuckets(ctx: CheckContext, session: { jwt: string; buckets: string[][] }, p: Problems): Promise<{ jwt: string; at: number } | undefined> {
  const byHash = new Map(ctx.state.site.map((f) => [f.hash, f]));
  let completion: { jwt: string; at: number } | undefined;
  for (const [i, bucket] of session.buckets.entries()) {
    const last = i === session.buckets.length - 1;
    const parts = bucket.map((hash) => {
      const file = byHash.get(hash)!;
      return { name: hash, filename: hash, contentType: file.contentType, content: file.bytes.toString("base64") };
    });
    const what = `POST /workers/assets/upload bucket ${i + 1}/${session.buckets.length}`;
    const reply = await ctx.call("POST", uploadPath(ctx.account), { parts, uploadJwt: session.jwt });
    const result = expectResult(reply, assetUploadSchema, what);
    if (last) {
      p.expect(reply.status === 201, `${what}: HTTP ${reply.status}, expected 201 once every file is stored`);
      if (p.expect(typeof result.jwt === "string", `${what}: no completion JWT in the answer after the last bucket`)) completion = { jwt: result.jwt!, at: reply.serverNowSeconds };
    } else {
      p.expect(reply.status === 202, `${what}: HTTP ${reply.status}, expected 202 while files are missing`);
      p.expect(result.jwt === undefined, `${what}: a completion JWT before the last bucket`);
    }
  }
  return completion;
}

export const uploadSession: ContractCheck = {
  id: "upload-session",
  title: "upload session: POST …/scripts/{s}/assets-upload-session asks for every new file, with an upload JWT",
  maxCalls: 1,
  needs: ["namespace-create"],
  async run(ctx) {
    const p = new Problems();
    const session = await openSession(ctx, ctx.names.codeScript, p);
    const asked = new Set(session.buckets.flat());
    // The files carry this run's random id, so no store can have them yet.
    p.expect(asked.size === ctx.state.site.length, `POST assets-upload-session: buckets ask for ${asked.size} of ${ctx.state.site.length} new files, expected all`);
    ctx.state.uploadJwt = session.jwt;
    ctx.state.buckets = session.buckets;
    ctx.note(`${session.buckets.length} bucket(s): ${session.buckets.map((b) => b.length).join(" + ")} files`);
    p.throwIfAny();
  },
};

export const bucketUploads: ContractCheck = {
  id: "bucket-uploads",
  title: "bucket uploads: base64 multipart with the session JWT, 202 until complete, then 201",
  maxCalls: 3,
  needs: ["upload-session"],
  async run(ctx) {
    const p = new Problems();
    if (ctx.state.buckets!.length > bucketUploads.maxCalls) throw new ContractFailure([`the session made ${ctx.state.buckets!.length} buckets of 3 small files; the suite budgets ${bucketUploads.maxCalls}`]);
    const completion = await uploadBuckets(ctx, { jwt: ctx.state.uploadJwt!, buckets: ctx.state.buckets! }, p);
    if (completion) {
      ctx.state.completionJwt = completion.jwt;
      ctx.state.completionAt = completion.at;
    }
    p.throwIfAny();
  },
};

export const completionJwt: ContractCheck = {
  id: "completion-jwt",
  title: "completion JWT: a JWT, not the upload JWT, valid for the documented hour",
  maxCalls: 0,
  needs: ["bucket-uploads"],
  async run({ state }) {
    const p = new Problems();
    p.add(jwtProblems(state.completionJwt, state.completionAt!, "the completion JWT"));
    p.expect(state.completionJwt !== state.uploadJwt, "the completion JWT is the upload JWT");
    p.throwIfAny();
  },
};

export const sessionDeduplicated: ContractCheck = {
  id: "session-dedup",
  title: "second session: files the namespace stores are not asked for again (a completion JWT without uploads)",
  maxCalls: 1 + 3,
  needs: ["bucket-uploads"],
  async run(ctx) {
    const p = new Problems();
    const session = await openSession(ctx, ctx.names.assetsScript, p);
    const asked = session.buckets.flat().length;
    // Cloudflare documents dedup as best effort ("hashes of files that have been recently uploaded may not be
    // returned"), so files asked for again are an observation, uploaded again, not a failure.
    ctx.note(asked === 0 ? "all files deduplicated: the session's JWT is the completion JWT" : `asked again for ${asked} of ${ctx.state.site.length} stored files (dedup is best effort)`);
    if (asked === 0) ctx.state.secondCompletionJwt = session.jwt;
    else ctx.state.secondCompletionJwt = (await uploadBuckets(ctx, session, p))?.jwt;
    p.throwIfAny();
  },
};
