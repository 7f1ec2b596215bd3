/**
 * Hash routes (`#/inbox/42?view=mine`): the server serves one page at /console/ and deep links survive a reload
 * without server-side route knowledge. Patterns use `:name` segments; a trailing `?` makes a segment optional.
 */
import { signal } from "@preact/signals";

function parse() {
  const [path, search = ""] = (location.hash.slice(1) || "/").split("?");
  return { path: path || "/", query: Object.fromEntries(new URLSearchParams(search)) };
}

export const current = signal(parse());
window.addEventListener("hashchange", () => { current.value = parse(); });

export function navigate(path, query = {}) {
  const search = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined && v !== null && v !== ""))
    .toString();
  location.hash = search ? `${path}?${search}` : path;
}

/** Replace the query of the current route (filters) without adding a history entry per keystroke. */
export function replaceQuery(query) {
  const search = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined && v !== null && v !== ""))
    .toString();
  history.replaceState(null, "", `#${current.value.path}${search ? `?${search}` : ""}`);
  current.value = { path: current.value.path, query: Object.fromEntries(new URLSearchParams(search)) };
}

export function href(path, query = {}) {
  const search = new URLSearchParams(query).toString();
  return `#${path}${search ? `?${search}` : ""}`;
}

/** The params of `pattern` in `path`, or null: match("/inbox/:id?", "/inbox/4") → {id: "4"}. */
export function match(pattern, path) {
  const want = pattern.split("/").filter(Boolean);
  const have = path.split("/").filter(Boolean);
  const params = {};
  for (let i = 0; i < Math.max(want.length, have.length); i += 1) {
    const part = want[i];
    if (part === undefined) return null;
    if (part.startsWith(":")) {
      const optional = part.endsWith("?");
      const name = part.slice(1, optional ? -1 : undefined);
      if (have[i] === undefined) {
        if (!optional) return null;
      } else {
        params[name] = decodeURIComponent(have[i]);
      }
    } else if (part !== have[i]) {
      return null;
    }
  }
  return params;
}
