/**
 * Writing to the customer: a reply (with saved replies by `/shortcut`, the form link, an attachment or the
 * info request card) or an internal note. When Zalo's window is closed the composer offers ZNS templates
 * instead, the only messages Zalo still delivers. Every send is one staff API call; refusals (someone else
 * holds the conversation, the window closed meanwhile) come back as the server's sentence.
 */
import { html } from "../../lib/html.js";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { api } from "../../lib/api.js";
import { atLeast, staff } from "../../lib/session.js";
import { Alert, Field, toast, useApi } from "../../lib/ui.js";
import { customerName, t } from "./strings.js";
import { windowInfo } from "./window.js";

/** A saved reply's text with its variables filled for this conversation. */
export function fillVariables(text, conversation) {
  const values = { ten_khach: customerName(conversation.customer), nhan_vien: staff.value?.name || "" };
  return text.replace(/\{(ten_khach|nhan_vien)\}/g, (whole, name) => values[name] || whole);
}

function SavedReplies({ replies, typed, onPick }) {
  const wanted = typed.startsWith("/") ? typed.slice(1).toLowerCase() : null;
  if (wanted === null || wanted.includes(" ")) return null;
  const found = replies.filter((r) => r.shortcut.startsWith(wanted));
  return html`<ul class="saved-suggestions" role="listbox" aria-label=${t("saved")}>
    ${found.length ? found.map((r) => html`<li role="option" aria-selected="false">
      <button type="button" onClick=${() => onPick(r)}><strong>/${r.shortcut}</strong> ${r.title}</button></li>`)
      : html`<li class="muted">${t("noSaved")}</li>`}
  </ul>`;
}

function ZnsComposer({ conversation, onSent }) {
  const templates = useApi("/zns/templates");
  const [chosen, setChosen] = useState("");
  const [values, setValues] = useState({});
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const enabled = (templates.data?.items || []).filter((tpl) => tpl.status === "ENABLE");
  const template = enabled.find((tpl) => tpl.template_id === chosen);
  async function send(event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api(`/conversations/${conversation.id}/zns`, { method: "POST", body: { template_id: chosen, template_data: values } });
      toast(t("znsSent"));
      setValues({});
      onSent();
    } catch (caught) { setError(caught); }
    setBusy(false);
  }
  if (templates.loading) return null;
  if (!enabled.length) return html`<p class="muted">${t("noTemplates")}</p>`;
  return html`<form class="stack" onSubmit=${send}>
    <${Alert} error=${error} />
    <${Field} label=${t("template")}>${(a) => html`<select ...${a} value=${chosen} onChange=${(e) => setChosen(e.target.value)}>
      <option value=""></option>${enabled.map((tpl) => html`<option value=${tpl.template_id}>${tpl.name}</option>`)}</select>`}<//>
    ${(template?.params || []).map((param) => html`<${Field} label=${param.name} error=${error?.fields?.template_data?.[param.name]}>
      ${(a) => html`<input ...${a} value=${values[param.name] || ""} required=${param.require}
        onInput=${(e) => setValues({ ...values, [param.name]: e.target.value })} />`}<//>`)}
    <div class="row"><button class="primary" disabled=${!template || busy}>${t("zns")}</button></div>
  </form>`;
}

export function Composer({ conversation, onSent }) {
  const [mode, setMode] = useState("reply");
  const [text, setText] = useState("");
  const [withForm, setWithForm] = useState(false);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const fileInput = useRef(null);
  const saved = useApi("/saved-replies");
  const info = useMemo(() => windowInfo(conversation), [conversation]);
  useEffect(() => { setText(""); setError(null); setMode("reply"); }, [conversation.id]);

  if (!atLeast("agent")) return html`<p class="composer muted">${t("viewerOnly")}</p>`;
  if (conversation.status === "closed") return html`<p class="composer muted">${t("closedConversation")}</p>`;

  async function run(call, takeOver = false) {
    setBusy(true);
    setError(null);
    try {
      await call(takeOver);
      setText("");
      setWithForm(false);
      onSent();
    } catch (caught) {
      setError(caught);
    }
    setBusy(false);
  }
  const held = error?.status === 409 && error.problem?.holder && atLeast("admin");
  const path = `/conversations/${conversation.id}`;
  const sendText = (takeOver) => (mode === "note"
    ? api(`${path}/notes`, { method: "POST", body: { text } })
    : api(`${path}/reply`, { method: "POST", body: { text, with_form_link: withForm, take_over: takeOver } }));
  const sendFile = (takeOver) => {
    const form = new FormData();
    form.append("file", fileInput.current.files[0]);
    if (text.trim()) form.append("text", text);
    if (takeOver) form.append("take_over", "true");
    return api(`${path}/media`, { method: "POST", body: form }).finally(() => { fileInput.current.value = ""; });
  };
  const sendCard = async (takeOver) => {
    await api(`${path}/info-request`, { method: "POST", body: { take_over: takeOver } });
    toast(t("infoSent"));
  };
  const submit = (event) => { event.preventDefault(); if (text.trim()) run(sendText); };
  const closedWindow = info.state === "closed" && mode === "reply";

  return html`<div class="composer">
    <div class="composer-head row">
      <span class=${`badge badge-${info.tone}`}>${info.text}</span>
      <div class="composer-modes" role="group" aria-label=${t("mode")}>
        <button type="button" aria-pressed=${mode === "reply"} onClick=${() => setMode("reply")}>${t("modeReply")}</button>
        <button type="button" aria-pressed=${mode === "note"} onClick=${() => setMode("note")}>${t("modeNote")}</button>
      </div>
    </div>
    <${Alert} error=${error} />
    ${held && html`<button type="button" class="danger" onClick=${() => run(sendText, true)}>${t("takeOver")}</button>`}
    ${closedWindow ? html`<${ZnsComposer} conversation=${conversation} onSent=${onSent} />` : html`
    <form class="stack" onSubmit=${submit}>
      <${Field} label=${mode === "note" ? t("noteLabel") : t("replyLabel")} hint=${mode === "reply" ? t("savedHint") : null}
          error=${error?.fields?.text}>
        ${(a) => html`<textarea ...${a} class=${mode === "note" ? "note-input" : ""} value=${text} maxlength=${mode === "note" ? 5000 : 2000}
          onInput=${(e) => setText(e.target.value)}
          onKeyDown=${(e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) submit(e); }}></textarea>`}<//>
      ${mode === "reply" && html`<${SavedReplies} replies=${saved.data || []} typed=${text}
        onPick=${(reply) => setText(fillVariables(reply.text, conversation))} />`}
      <div class="row composer-actions">
        <button class="primary" disabled=${busy || !text.trim()}>${busy ? t("sending") : mode === "note" ? t("saveNote") : t("send")}</button>
        ${mode === "reply" && html`
          <label class="inline"><input type="checkbox" checked=${withForm} onChange=${(e) => setWithForm(e.target.checked)} />${t("formLink")}</label>
          <label class="button">${t("attach")}<input ref=${fileInput} class="visually-hidden" type="file"
            accept="image/jpeg,image/png,image/gif,application/pdf,.doc,.docx" onChange=${() => fileInput.current.files.length && run(sendFile)} /></label>
          <button type="button" disabled=${busy} onClick=${() => run(sendCard)}>${t("infoCard")}</button>`}
      </div>
      ${mode === "reply" && html`<small class="muted">${t("attachHint")}</small>`}
    </form>`}
  </div>`;
}
