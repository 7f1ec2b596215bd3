// Idempotency-Key per submit attempt: retrying the same answers after a lost response
// (network failure, 5xx) reuses the key, so the shop gets the form once; changed answers
// are a new attempt with a new key (the server refuses a key reused with another body).

import { ApiError } from "./api.js";

function newKey() {
  // getRandomValues, unlike randomUUID, also works on plain-http LAN addresses used when testing on a phone.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return "miniapp-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Wrap `send(values, key)` so that each distinct set of answers keeps one key until it gets a final answer. */
export function createSubmitter(send) {
  let pending = null;
  return async function submit(values) {
    const body = JSON.stringify(values);
    if (!pending || pending.body !== body) pending = { body, key: newKey() };
    try {
      const result = await send(values, pending.key);
      pending = null;
      return result;
    } catch (error) {
      if (error instanceof ApiError && error.status < 500) pending = null; // final: nothing was stored
      throw error;
    }
  };
}
