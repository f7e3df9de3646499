/** RFC 9110 §13.1.2: `If-None-Match` is `*` or a list of entity tags, compared weakly (`W/` ignored). */
export function noneMatch(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return true;
  if (ifNoneMatch.trim() === '*') return false;
  const tags = ifNoneMatch.match(/(?:W\/)?"[^"]*"/g) ?? [];
  return !tags.some((tag) => tag.replace(/^W\//, '') === etag);
}
