/** JSX-like templates without a build step: `html\`<p>${text}</p>\`` renders with Preact. */
import { h } from "preact";
import htm from "htm";

export const html = htm.bind(h);
