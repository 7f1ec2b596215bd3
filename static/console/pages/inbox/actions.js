/**
 * What staff do with a conversation: claim, assign (owners, admins), unassign, close, reopen. Each is one API
 * call; a 409 (someone else took it first, it is closed) is shown as the server's sentence.
 */
import { html } from "../../lib/html.js";
import { useState } from "preact/hooks";
import { api } from "../../lib/api.js";
import { atLeast, staff } from "../../lib/session.js";
import { Alert, Field, toast, useApi } from "../../lib/ui.js";
import { t } from "./strings.js";

function AssignPicker({ conversation, onDone, onError }) {
  const people = useApi("/assignees");
  const [chosen, setChosen] = useState("");
  async function assign(event) {
    event.preventDefault();
    const person = (people.data || []).find((p) => String(p.id) === chosen);
    try {
      await api(`/conversations/${conversation.id}/assign`, { method: "POST", body: { staff_id: Number(chosen) } });
      toast(t("assigned", { name: person?.name || "" }));
      onDone();
    } catch (error) { onError(error); }
  }
  return html`<form class="row assign-picker" onSubmit=${assign}>
    <${Field} label=${t("assignTo")}>${(a) => html`<select ...${a} value=${chosen} onChange=${(e) => setChosen(e.target.value)}>
      <option value=""></option>
      ${(people.data || []).filter((p) => p.id !== conversation.assignee?.id)
        .map((p) => html`<option value=${p.id}>${p.name}</option>`)}</select>`}<//>
    <button class="primary" disabled=${!chosen}>${t("assign").replace("…", "")}</button>
  </form>`;
}

export function Actions({ conversation, onChanged }) {
  const [error, setError] = useState(null);
  const [picking, setPicking] = useState(false);
  const mine = conversation.assignee?.id === staff.value?.id;
  const manager = atLeast("admin");
  async function act(action, done) {
    setError(null);
    try {
      await api(`/conversations/${conversation.id}/${action}`, { method: "POST" });
      toast(done);
      onChanged();
    } catch (caught) { setError(caught); onChanged(); }
  }
  if (!atLeast("agent")) return null;
  const closed = conversation.status === "closed";
  return html`<div class="conversation-actions">
    <div class="row">
      ${!closed && !conversation.assignee && html`<button type="button" class="primary" onClick=${() => act("claim", t("claimed"))}>${t("claim")}</button>`}
      ${!closed && manager && html`<button type="button" aria-expanded=${picking} onClick=${() => setPicking(!picking)}>${t("assign")}</button>`}
      ${!closed && manager && conversation.assignee && html`<button type="button" onClick=${() => act("unassign", t("unassignedDone"))}>${t("unassign")}</button>`}
      ${!closed && (mine || manager || !conversation.assignee) && html`<button type="button" onClick=${() => act("close", t("closedDone"))}>${t("close")}</button>`}
      ${closed && manager && html`<button type="button" onClick=${() => act("reopen", t("reopened"))}>${t("reopen")}</button>`}
    </div>
    ${picking && html`<${AssignPicker} conversation=${conversation} onError=${setError}
      onDone=${() => { setPicking(false); onChanged(); }} />`}
    <${Alert} error=${error} />
  </div>`;
}
