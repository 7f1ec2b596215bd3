/**
 * Telling staff a customer wrote while they look elsewhere: a browser notification and a short sound, each
 * switchable and remembered in this browser. Only for conversations that are theirs or nobody's yet.
 */
import { html } from "../../lib/html.js";
import { signal } from "@preact/signals";
import { t } from "./strings.js";

const KEYS = { notify: "console.inbox.notify", sound: "console.inbox.sound" };
export const notifyOn = signal(localStorage.getItem(KEYS.notify) === "1");
export const soundOn = signal(localStorage.getItem(KEYS.sound) !== "0");
let audio = null;

function remember(name, value) {
  localStorage.setItem(KEYS[name], value ? "1" : "0");
  (name === "notify" ? notifyOn : soundOn).value = value;
}

async function switchNotifications(wanted) {
  if (wanted && "Notification" in window && Notification.permission !== "granted") {
    wanted = (await Notification.requestPermission()) === "granted";
  }
  remember("notify", wanted);
}

function beep() {
  audio ||= new AudioContext();
  const tone = audio.createOscillator();
  const gain = audio.createGain();
  tone.frequency.value = 880;
  gain.gain.setValueAtTime(0.15, audio.currentTime);
  gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.3);
  tone.connect(gain).connect(audio.destination);
  tone.start();
  tone.stop(audio.currentTime + 0.3);
}

/** A customer wrote (`title`, `body`); `onOpen` shows the conversation when the notification is clicked. */
export function announce(title, body, onOpen) {
  if (soundOn.value) {
    try { beep(); } catch { /* no audio device, or the page has not been interacted with yet */ }
  }
  if (notifyOn.value && "Notification" in window && Notification.permission === "granted" && document.hidden) {
    const note = new Notification(title, { body, tag: title });
    note.onclick = () => { window.focus(); onOpen(); note.close(); };
  }
}

export function AlertSwitches() {
  const blocked = "Notification" in window && Notification.permission === "denied";
  return html`<fieldset class="alert-switches">
    <legend>${t("alerts")}</legend>
    <label class="inline"><input type="checkbox" checked=${notifyOn.value} disabled=${blocked}
      onChange=${(e) => switchNotifications(e.target.checked)} />${t("notifyOn")}</label>
    <label class="inline"><input type="checkbox" checked=${soundOn.value}
      onChange=${(e) => remember("sound", e.target.checked)} />${t("soundOn")}</label>
    ${blocked && html`<small class="muted">${t("blocked")}</small>`}
  </fieldset>`;
}
