import { api, ApiError } from "./api.js";
import { esc } from "./html.js";

const ROUNDINGS = [
  ["none", "No rounding (to the cent)"],
  [".99", "Up to .99"],
  [".95", "Up to .95"],
  ["whole", "Up to a whole amount"],
];
/** The form field an API issue's path (body.pricing.markup, body.tags.0) is about. */
const fieldOf = (path) => {
  const [, first, second] = path.split(".");
  return first === "pricing" ? (second ?? "markup") : first;
};

/** A labelled control with its help and its error message; `control` is given what describes it. */
function field(name, label, control, help = "") {
  const describedBy = `settings-${name}-error${help ? ` settings-${name}-help` : ""}`;
  return `
    <div class="field">
      <label for="settings-${name}">${label}</label>
      ${control(`id="settings-${name}" name="${name}" aria-describedby="${describedBy}"`)}
      ${help ? `<p id="settings-${name}-help" class="muted">${help}</p>` : ""}
      <p id="settings-${name}-error" class="error"></p>
    </div>`;
}

function form(settings) {
  const pricing = settings.pricing ?? { markup: "", rounding: "none", minimumMarginPercent: 0 };
  const options = ROUNDINGS.map(
    ([value, label]) => `<option value="${value}"${value === pricing.rounding ? " selected" : ""}>${esc(label)}</option>`,
  ).join("");
  const status = (value, label) =>
    `<label class="choice"><input type="radio" name="publishStatus" value="${value}"${settings.publishStatus === value ? " checked" : ""} /> ${label}</label>`;
  return `
    <form id="settings" class="panel settings" novalidate>
      <fieldset>
        <legend>Pricing rule</legend>
        ${field("markup", "Markup (retail price = unit cost × markup)", (a) => `<input ${a} type="number" min="0" step="0.01" inputmode="decimal" value="${esc(pricing.markup)}" />`, "Leave empty to set each retail price yourself.")}
        ${field("rounding", "Rounding", (a) => `<select ${a}>${options}</select>`)}
        ${field("minimumMarginPercent", "Minimum margin (%)", (a) => `<input ${a} type="number" min="0" max="95" step="1" value="${esc(pricing.minimumMarginPercent)}" />`, "The share of the retail price kept above the unit cost, whatever the markup.")}
      </fieldset>
      <fieldset>
        <legend>Product defaults</legend>
        ${field("defaultVendor", "Default vendor", (a) => `<input ${a} maxlength="255" value="${esc(settings.defaultVendor)}" />`)}
        ${field("productType", "Product type", (a) => `<input ${a} maxlength="255" value="${esc(settings.productType)}" />`)}
        ${field("tags", "Tags", (a) => `<input ${a} value="${esc(settings.tags.join(", "))}" />`, "Separate tags with commas.")}
      </fieldset>
      <fieldset aria-describedby="settings-publishStatus-error">
        <legend>Status of published products</legend>
        ${status("DRAFT", "Draft (hidden in the store until you activate it)")}
        ${status("ACTIVE", "Active (on sale as soon as it is published)")}
        <p id="settings-publishStatus-error" class="error"></p>
      </fieldset>
      <label class="choice"><input id="settings-autoPublish" name="autoPublish" type="checkbox"${settings.autoPublish ? " checked" : ""} aria-describedby="settings-autoPublish-error" /> Publish approved products as soon as a review is completed</label>
      <p id="settings-autoPublish-error" class="error"></p>
      <p id="settings-error" class="error" role="alert"></p>
      <button type="submit">Save settings</button>
    </form>`;
}

/** The form as the API takes it; an empty markup is no rule. */
function settingsFrom(form) {
  const value = (name) => form.elements[name].value.trim();
  const text = (name) => value(name) || null;
  const number = (name) => (value(name) === "" ? NaN : Number(value(name)));
  return {
    pricing:
      value("markup") === ""
        ? null
        : { markup: number("markup"), rounding: value("rounding"), minimumMarginPercent: number("minimumMarginPercent") },
    defaultVendor: text("defaultVendor"),
    productType: text("productType"),
    tags: value("tags")
      .split(",")
      .map((tag) => tag.trim())
      .filter(Boolean),
    publishStatus: form.elements.publishStatus.value,
    autoPublish: form.elements.autoPublish.checked,
  };
}

function showIssues(form, issues) {
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
  for (const message of form.querySelectorAll(".field .error, fieldset > .error, #settings-autoPublish-error")) message.textContent = "";
  for (const { path, message } of issues) {
    const name = fieldOf(path);
    const shown = form.querySelector(`#settings-${name}-error`);
    if (!shown) continue;
    shown.textContent = shown.textContent ? `${shown.textContent} ${message}` : message;
    form.querySelector(`#settings-${name}`)?.setAttribute("aria-invalid", "true");
  }
}

export async function renderSettings(main, notify) {
  main.innerHTML = `<h1>Settings</h1><p class="muted" aria-busy="true">Loading…</p>`;
  let { settings, version } = await api("/settings");
  main.innerHTML = `<h1>Settings</h1>${form(settings)}`;
  const element = main.querySelector("#settings");
  const error = element.querySelector("#settings-error");
  element.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = element.querySelector("button[type=submit]");
    button.disabled = true;
    error.textContent = "";
    try {
      ({ settings, version } = await api("/settings", {
        method: "PUT",
        json: settingsFrom(element),
        headers: { "if-match": `"${version}"` },
      }));
      showIssues(element, []);
      notify("Settings saved.");
    } catch (failure) {
      const issues = failure instanceof ApiError ? (failure.issues ?? []) : [];
      showIssues(element, issues);
      error.textContent =
        failure instanceof ApiError && failure.status === 412
          ? "These settings were changed elsewhere since you opened them. Reload the page to see them."
          : issues.length
            ? "Some settings need a correction; see the messages above."
            : failure.message;
    } finally {
      button.disabled = false;
    }
  });
}
