import { expect, it } from "vitest";
import { redactor } from "../../packages/platform-service/src/redact.ts";

it("masks configured secrets, JWT-shaped strings and bearer values, and leaves short words alone", () => {
  const redact = redactor(["token-1234567890", undefined, "abc"]);
  const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJrbmQiOiJ1cGxvYWQifQ.c2lnbmF0dXJl";
  expect(redact(`sent token-1234567890 and ${jwt}; Authorization: Bearer xyz987 ok abc`)).toBe(
    "sent [redacted] and [redacted JWT]; Authorization: Bearer [redacted] ok abc",
  );
});
