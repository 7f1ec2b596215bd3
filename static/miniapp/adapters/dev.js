// In a normal browser, only when the backend runs in sandbox mode: the local Zalo emulator
// stands in for zmp-sdk. A test user is created once and kept in localStorage, so reloading
// the page is the same "Zalo user" again; clear localStorage to become a new one.

const STORAGE_KEY = "miniapp.devUser";

async function post(url, body) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body || {}),
  });
  if (!response.ok) {
    const error = new Error(`sandbox ${url}: HTTP ${response.status}`);
    error.status = response.status;
    throw error;
  }
  return response.json();
}

export function createDevAdapter(zaloUrl) {
  const base = zaloUrl.replace(/\/$/, "");
  let user = JSON.parse(localStorage.getItem(STORAGE_KEY) || "null");

  /** The emulator gives a new user a random valid Vietnamese mobile, so test profiles never merge. */
  async function currentUser() {
    if (!user) {
      user = await post(`${base}/_sandbox/users`, { name: "Khách thử nghiệm" });
      localStorage.setItem(STORAGE_KEY, JSON.stringify(user));
    }
    return user;
  }

  /** Call a per-user control endpoint; the emulator forgets users on restart, so recreate once. */
  async function forUser(suffix) {
    try {
      return await post(`${base}/_sandbox/users/${(await currentUser()).app_user_id}/${suffix}`);
    } catch (error) {
      if (error.status !== 404) throw error;
      user = null;
      return post(`${base}/_sandbox/users/${(await currentUser()).app_user_id}/${suffix}`);
    }
  }

  return {
    name: "sandbox",
    getAccessToken: async () => (await forUser("access-token")).access_token,
    getPhoneNumber: async () => ({ token: (await forUser("phone-code")).token }),
    getUserInfo: async () => {
      const u = await currentUser();
      return { userInfo: { id: u.app_user_id, name: u.name, avatar: u.avatar || "", idByOA: u.oa_user_id } };
    },
  };
}
