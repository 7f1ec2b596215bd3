/** Who is signed in. The cookie survives a reload; the CSRF token is asked again from /auth/session. */
import { signal } from "@preact/signals";
import { api, setCsrfToken, whenSignedOut } from "./api.js";

export const staff = signal(null);      // the signed-in account, or null
export const checked = signal(false);   // the first check has answered

const ROLE_RANK = { viewer: 0, agent: 1, admin: 2, owner: 3 };

/** Does the signed-in role reach `role` (owner > admin > agent > viewer for the console's menus)? */
export function atLeast(role) {
  return staff.value !== null && ROLE_RANK[staff.value.role] >= ROLE_RANK[role];
}

function adopt(answer) {
  setCsrfToken(answer?.csrf_token || null);
  staff.value = answer?.staff || null;
  checked.value = true;
}

whenSignedOut(() => adopt(null));

export async function restore() {
  try {
    adopt(await api("/auth/session"));
  } catch {
    adopt(null);
  }
}

export async function signIn(email, password) {
  adopt(await api("/auth/login", { method: "POST", body: { email, password } }));
}

/** Take a session another flow created (first-run setup answers like a login). */
export function adoptSession(answer) { adopt(answer); }

export async function signOut() {
  try {
    await api("/auth/logout", { method: "POST" });
  } finally {
    adopt(null);
  }
}
