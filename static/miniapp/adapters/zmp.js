// Inside a Zalo Mini App: the real zmp-sdk. Each call returns what the page's flow needs,
// in the same shape as the development adapter (see dev.js).

/** True when the page runs in Zalo's Mini App webview (native bridge or SDK global present). */
export function inZalo() {
  return Boolean(globalThis.zmpSdk || globalThis.ZMP || globalThis.ZaloJavaScriptInterface) ||
    /\bZalo\b/i.test(navigator.userAgent);
}

/**
 * The zmp-sdk API object. A host bundle may publish it as `window.zmpSdk` (see docs/miniapp.md);
 * older SDK builds expose `window.ZMP.apis`; otherwise the zmp-cli (Vite) build resolves the import.
 */
async function sdk() {
  if (globalThis.zmpSdk) return globalThis.zmpSdk;
  if (globalThis.ZMP && globalThis.ZMP.apis) return globalThis.ZMP.apis;
  return import("zmp-sdk/apis");
}

export async function createZmpAdapter() {
  const api = await sdk();
  return {
    name: "zalo",
    getAccessToken: () => api.getAccessToken({}),
    // Needs the scope.userPhonenumber permission approved in the Zalo Mini App console.
    getPhoneNumber: () => api.getPhoneNumber({}),
    // Never prompts here: idByOA is a bonus for linking, the session works without it.
    getUserInfo: () => api.getUserInfo({ autoRequestPermission: false }),
    // The query of the https://zalo.me/s/<id>/?form=…&utm_source=… link that opened the Mini App (SDK ≥ 2.11).
    getRouteParams: () => (api.getRouteParams ? api.getRouteParams() || {} : {}),
  };
}
