/** Settings, one section at a time (`?tab=`): staff and API keys for owners; replies, rules, welcome and hours, the
 * OA and forms for admins. */
import { html } from "../../lib/html.js";
import { replaceQuery } from "../../lib/router.js";
import { atLeast } from "../../lib/session.js";
import { PageHeader } from "../../lib/ui.js";
import { FormSettings } from "./forms.js";
import { KeySettings } from "./keys.js";
import { OaSettings } from "./oa.js";
import { ReplySettings } from "./replies.js";
import { RuleSettings } from "./rules.js";
import { StaffSettings } from "./staff.js";
import { t } from "./strings.js";
import { WelcomeSettings } from "./welcome.js";

const TABS = [
  { id: "replies", role: "admin", Section: ReplySettings },
  { id: "rules", role: "admin", Section: RuleSettings },
  { id: "welcome", role: "admin", Section: WelcomeSettings },
  { id: "oa", role: "admin", Section: OaSettings },
  { id: "forms", role: "admin", Section: FormSettings },
  { id: "staff", role: "owner", Section: StaffSettings },
  { id: "keys", role: "owner", Section: KeySettings },
];

export default function Settings({ query }) {
  const tabs = TABS.filter((tab) => atLeast(tab.role));
  const current = tabs.find((tab) => tab.id === query.tab) || tabs[0];
  return html`<section class="settings">
    <${PageHeader} title=${t("title")} />
    <nav class="settings-tabs" aria-label=${t("tabs")}>
      ${tabs.map((tab) => html`<button type="button" aria-pressed=${tab === current}
        onClick=${() => replaceQuery({ tab: tab.id })}>${t(tab.id)}</button>`)}
    </nav>
    <h2>${t(current.id)}</h2>
    <${current.Section} key=${current.id} />
  </section>`;
}
