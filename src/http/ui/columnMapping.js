import { esc } from "./html.js";

// Labels apart from the draft form's (Title, Quantity…): the page shows both at once.
const FIELDS = [
  ["title", "Title column"],
  ["sku", "SKU column"],
  ["quantity", "Quantity column"],
  ["unitCost", "Unit cost column"],
  ["barcode", "Barcode column (EAN, UPC)"],
];
const METHODS = {
  header: "by its header",
  content: "by its content: check it",
  merchant: "chosen by you",
  remembered: "remembered from this supplier",
};

/** How the file's columns were read, what to check, and a form to correct them. */
export function columnMappingPanel(po) {
  const mapping = po.columnMapping;
  if (!mapping) return "";
  const width = Math.max(mapping.headers.length, ...Object.values(mapping.columns).map((c) => c.column));
  const option = (n, chosen) =>
    `<option value="${n}"${n === chosen ? " selected" : ""}>${esc(`Column ${n}${mapping.headers[n - 1] ? ` · ${mapping.headers[n - 1]}` : ""}`)}</option>`;
  const rows = FIELDS.map(([field, label]) => {
    const column = mapping.columns[field];
    const options = Array.from({ length: width }, (_, i) => option(i + 1, column?.column)).join("");
    const none = field === "quantity" ? "" : `<option value=""${column ? "" : " selected"}>Not in this file</option>`;
    const how = column ? `${METHODS[column.method] ?? column.method} · ${Math.round(column.confidence * 100)}%` : "not found";
    return `<tr><th scope="row"><label for="map-${field}">${label}</label></th>
      <td><select id="map-${field}" name="${field}">${none}${options}</select></td><td class="muted">${esc(how)}</td></tr>`;
  }).join("");
  const warnings = po.warnings.map((w) => `<li>${esc(w.message)}</li>`).join("");
  const flagged = po.lineItems
    .filter((line) => line.flagged)
    .map(
      (line) =>
        `<li><strong>Line ${line.lineNumber}: ${esc(line.title)}</strong> — ${esc(line.concerns.join("; "))}<br><code>${esc(line.source?.snippet ?? "")}</code></li>`,
    )
    .join("");
  return `
    <h2 id="columns-heading">Columns</h2>
    ${warnings ? `<ul class="warnings" id="parse-warnings">${warnings}</ul>` : ""}
    <form data-form="column-mapping" class="column-mapping">
      <table><tbody>${rows}</tbody></table>
      <button type="submit">Read the file again with these columns</button>
      <p role="alert"></p>
    </form>
    ${flagged ? `<h3>Lines to check</h3><ul id="flagged-lines">${flagged}</ul>` : ""}`;
}

/** The form's choice, as the API takes it. */
export function columnChoiceFrom(form) {
  const value = (field) => (form.elements[field].value === "" ? null : Number(form.elements[field].value));
  return Object.fromEntries(FIELDS.map(([field]) => [field, value(field)]));
}
