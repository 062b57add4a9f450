/**
 * Many spellings of one path, each of which a router, a proxy or a naive string check may read differently:
 * percent-encoded letters anywhere (either hex case), encoded slashes and dots, double slashes, dot segments,
 * a trailing slash, `;` parameters, query and fragment tricks, mixed case, backslashes, absolute-form targets
 * and double encoding. Used by the access table (access.test.ts).
 */
const hex = (char: string, upper: boolean): string => {
  const code = char.charCodeAt(0).toString(16).padStart(2, "0");
  return `%${upper ? code.toUpperCase() : code}`;
};

export function spellings(path: string): string[] {
  const out = new Set<string>([path]);
  const chars = [...path];
  // One character encoded at a time, then all letters at once.
  chars.forEach((char, i) => {
    if (char === "/") return;
    for (const upper of [false, true]) out.add([...chars.slice(0, i), hex(char, upper), ...chars.slice(i + 1)].join(""));
  });
  out.add(chars.map((char) => (/[a-z0-9]/i.test(char) ? hex(char, true) : char)).join(""));
  // Slashes: encoded, doubled, backslashed, one at a time.
  chars.forEach((char, i) => {
    if (char !== "/") return;
    const before = chars.slice(0, i).join("");
    const after = chars.slice(i + 1).join("");
    for (const slash of ["%2F", "%2f", "//", "\\", "%5C", "/./", "/%2e/", "/x/../", "/x/%2e%2e/", "/;x/", ";/"]) out.add(`${before}${slash}${after}`);
  });
  const segments = path.split("/").filter(Boolean);
  out.add(`/${segments.map((segment) => segment[0]!.toUpperCase() + segment.slice(1)).join("/")}`);
  out.add(path.toUpperCase());
  for (const suffix of ["/", "/.", "/..", "/%2e", ";", ";x=1", "%00", "%20", "?", "?/../healthz", "?x=%2F..%2Fhealthz", "#", "#/../healthz", "%23", "%3F", "/healthz"]) {
    out.add(`${path}${suffix}`);
  }
  for (const prefix of ["/healthz/..", "/healthz/%2e%2e", "/healthz%2F..", "/.", "/%2e", "//", "/healthz;", "/healthz?", "/healthz#"]) out.add(`${prefix}${path}`);
  out.add(`/%2574enants${path.slice("/tenants".length)}`);
  out.add(`http://127.0.0.1${path}`);
  out.add(`http://evil.example${path}`);
  out.add(`HTTP://127.0.0.1:1${path}`);
  return [...out];
}
