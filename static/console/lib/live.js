/**
 * Live updates: one loop per open console reads the change feed (`GET /changes?after=<cursor>`) every second and
 * hands each batch to the pages that subscribed. Each read answers at once, so an open console never holds a web
 * server thread (docs/console/live.md explains the choice and how it scales).
 */
import { api } from "./api.js";

const INTERVAL_MS = 1000;
const REMEMBERED = 2000; // ids kept to drop the changes the feed repeats (late commits, docs/console/live.md)
const subscribers = new Set();
const seen = new Set();
let cursor = null;
let timer = null;
let running = false;

/** `subscribe(batch => ...)`: `batch.changes` is a list; `batch.reset` means "reload what you show". */
export function subscribe(callback) {
  subscribers.add(callback);
  return () => subscribers.delete(callback);
}

function publish(batch) {
  for (const callback of subscribers) {
    try { callback(batch); } catch (error) { console.error(error); }
  }
}

async function tick() {
  if (!running) return;
  try {
    const answer = await api("/changes", { query: cursor === null ? {} : { after: cursor } });
    const fresh = unseen(answer.changes || []);
    if (cursor !== null && (answer.reset || fresh.length)) {
      publish({ changes: fresh, reset: Boolean(answer.reset) });
    }
    cursor = answer.cursor ?? cursor;
  } catch (error) {
    if (error.status === 401 || error.status === 403) return stop();
  }
  if (running) timer = setTimeout(tick, INTERVAL_MS);
}

/** The changes not handed out before, remembered so that a repeated one is dropped next time. */
function unseen(changes) {
  const fresh = changes.filter((change) => !seen.has(change.id));
  for (const change of fresh) seen.add(change.id);
  for (const id of seen) {
    if (seen.size <= REMEMBERED) break;
    seen.delete(id); // a Set iterates in insertion order: the oldest go first
  }
  return fresh;
}

export function start() {
  if (running) return;
  running = true;
  cursor = null;
  tick();
}

export function stop() {
  running = false;
  clearTimeout(timer);
}
