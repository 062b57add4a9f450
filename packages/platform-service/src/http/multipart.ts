/**
 * An upload sent as a form (`curl -F site=@site.zip`, an HTML form): busboy reads the multipart body and the
 * one file part in it is saved like a raw body (archive/receive.ts). Other fields are ignored; a second file
 * is refused.
 */
import type { IncomingHttpHeaders } from "node:http";
import { PassThrough, type Readable } from "node:stream";
import busboy from "busboy";
import { receiveBody } from "../archive/receive.ts";
import { RequestRejected } from "../errors.ts";
import type { UploadBody } from "../tenants.ts";

/** What a form may hold besides its one file: fields are ignored, so few and small is plenty (busboy's limits). */
const FORM_LIMITS = { fields: 20, parts: 21, fieldNameSize: 100, fieldSize: 1024, headerPairs: 20 } as const;

export function isMultipart(headers: IncomingHttpHeaders): boolean {
  return /^multipart\/form-data\b/i.test(headers["content-type"] ?? "");
}

function unreadable(error: unknown): RequestRejected {
  return new RequestRejected("corrupt-archive", `the multipart body cannot be read (${error instanceof Error ? error.message : String(error)}).`);
}

export function multipartBody(raw: Readable, headers: IncomingHttpHeaders): UploadBody {
  return {
    saveTo: (file, maxBytes) =>
      new Promise<number>((resolve, reject) => {
        let parser: busboy.Busboy;
        try {
          // One byte over the limit, so receiveBody sees the overflow and answers archive-too-large. Fields are
          // read and dropped, so they are kept small and few; a part's headers are few too.
          parser = busboy({ headers, limits: { files: 1, fileSize: maxBytes + 1, ...FORM_LIMITS } });
        } catch (error) {
          reject(unreadable(error));
          return;
        }
        let saving: Promise<number> | undefined;
        let refusal: RequestRejected | undefined;
        parser.on("file", (_field, stream) => {
          // Through a PassThrough: if saving fails, the part is drained (not destroyed), so busboy reads on
          // to the end of the body and the client gets its answer.
          const part = new PassThrough();
          stream.pipe(part);
          saving = receiveBody(part, file, maxBytes, undefined);
          saving.catch(() => {
            stream.unpipe(part);
            stream.resume();
          });
        });
        parser.on("filesLimit", () => {
          refusal ??= new RequestRejected("invalid-option", "the form holds more than one file; send one archive per upload.");
        });
        const tooManyParts = (): void => {
          refusal ??= new RequestRejected(
            "invalid-option",
            `the form has more than ${FORM_LIMITS.fields} fields or ${FORM_LIMITS.parts} parts; send the archive with at most a few fields.`,
          );
        };
        parser.on("fieldsLimit", tooManyParts);
        parser.on("partsLimit", tooManyParts);
        parser.on("error", (error: unknown) => {
          raw.unpipe(parser);
          raw.resume();
          reject(unreadable(error));
        });
        parser.on("close", () => {
          if (!saving) reject(refusal ?? new RequestRejected("empty-body", "the form holds no file; attach the archive, e.g. `curl -F site=@site.tar.gz <url>`."));
          else saving.then((bytes) => (refusal ? reject(refusal) : resolve(bytes)), reject);
        });
        raw.pipe(parser);
      }),
  };
}
