// Which platform adapter the page uses: zmp-sdk inside Zalo, the emulator in a browser
// only when the backend says it runs in sandbox mode, otherwise none (the page asks to open Zalo).
// Both adapters offer getAccessToken() → string, getPhoneNumber() → {token},
// getUserInfo() → {userInfo: {id, name, avatar, idByOA}}, as zmp-sdk does.

import { createDevAdapter } from "./dev.js";
import { createZmpAdapter, inZalo } from "./zmp.js";

export async function chooseAdapter(config) {
  if (inZalo()) return createZmpAdapter();
  if (config.sandbox && config.zalo_sandbox_url) return createDevAdapter(config.zalo_sandbox_url);
  return null;
}
