import { esc, money } from "./html.js";

const emptyStates = {
  pending: `<p class="empty" aria-busy="true">Looking for images…</p>`,
  none_found: `<p class="empty">No images were found for this product.</p>`,
  failed: `<p class="empty error">The image search failed; an operator can retry it.</p>`,
};

function thumbnail(product, image, index) {
  const n = index + 1;
  const name = `image ${n} of ${product.title}`;
  const label = image.isPrimary ? "Primary" : image.decision;
  return `
    <li class="thumb decision-${esc(image.decision)}${image.isPrimary ? " primary" : ""}">
      <img src="${esc(image.url)}" alt="${esc(product.title)}, candidate image ${n}" width="96" height="96" />
      <span class="badge">${esc(label)}</span>
      <div class="thumb-actions" role="group" aria-label="${esc(name)}">
        <button type="button" id="approve-${image.id}" data-action="approve" data-image="${image.id}" aria-pressed="${image.decision === "approved"}" aria-label="Approve ${esc(name)}">Approve</button>
        <button type="button" id="reject-${image.id}" data-action="reject" data-image="${image.id}" aria-pressed="${image.decision === "rejected"}" aria-label="Reject ${esc(name)}">Reject</button>
        <button type="button" id="primary-${image.id}" data-action="primary" data-image="${image.id}" aria-pressed="${image.isPrimary}" aria-label="Make primary: ${esc(name)}">Make primary</button>
      </div>
    </li>`;
}

function images(product) {
  if (product.imageStatus !== "found") return emptyStates[product.imageStatus] ?? "";
  return `<ul class="thumbs" aria-label="Candidate images of ${esc(product.title)}">${product.images.map((image, i) => thumbnail(product, image, i)).join("")}</ul>`;
}

/** What the listing will say beyond the PO's line: written by the AI enrichment or the reviewer. */
function listing(product) {
  if (!product.description && !product.productType && !product.tags?.length) return "";
  return `<dl class="listing">
      ${product.productType ? `<div><dt>Product type</dt><dd>${esc(product.productType)}</dd></div>` : ""}
      ${product.tags?.length ? `<div><dt>Tags</dt><dd>${esc(product.tags.join(", "))}</dd></div>` : ""}
      ${product.description ? `<div><dt>Description</dt><dd>${esc(product.description)}</dd></div>` : ""}
    </dl>`;
}

/** Lines of the file with the draft's SKU, merged into it by normalization. */
function merged(product) {
  if (!product.mergedLines?.length) return "";
  const lines = product.mergedLines.map((line) => `line ${line.lineNumber} (${line.quantity})`).join(", ");
  return `<p class="merged">Merged from ${esc(lines)}: the same SKU, quantities added up.</p>`;
}

/** A line read with low confidence: why, and the text it was read from, so the reviewer can check it. */
function toCheck(check) {
  if (!check?.flagged) return "";
  return `<p class="to-check"><strong>Check this line:</strong> ${esc(check.concerns.join("; "))}${
    check.source?.snippet ? `<br><code>${esc(check.source.snippet)}</code>` : ""
  }</p>`;
}

const publicationLabels = {
  unpublished: "Not published",
  requested: "Publishing…",
  published: "Published",
  changed: "Changed since publish",
  skipped: "Skipped",
};

const matchedBy = { sku: "same SKU", barcode: "same barcode", title: "similar title" };

/** The product the store already has that this draft may be: a publish updates it once it counts. */
function storeMatch(product, match, state) {
  if (!match) return "";
  const id = product.draftId;
  const open = state === "unpublished" || state === "requested" || state === "skipped";
  const outcome = match.updatesProduct ? "Publishing updates this product" : "Publishing creates a new product";
  return `<p class="match" id="match-${id}">
      In your store: <strong>${esc(match.title)}</strong> (${esc(matchedBy[match.by] ?? match.by)}, ${Math.round(match.score * 100)}% sure).
      <span class="muted">${esc(match.decision === "refused" ? `Refused. ${outcome}.` : `${outcome}.`)}</span>
      ${open && match.decision !== "accepted" ? `<button type="button" id="accept-match-${id}" data-action="accept-match" aria-label="${esc(`It is this product: accept the match of ${product.title}`)}">It is this product</button>` : ""}
      ${open && match.decision !== "refused" ? `<button type="button" id="refuse-match-${id}" data-action="refuse-match" aria-label="${esc(`It is a new product: refuse the match of ${product.title}`)}">It is a new product</button>` : ""}
    </p>`;
}

/** Where the draft is in the merchant's store, and what can be done about it. */
function publication(product, state = "unpublished") {
  const id = product.draftId;
  const publish = state === "published" ? "" : state === "changed" ? "Republish" : "Publish";
  return `<p class="publication">
      <span class="badge publish-${esc(state)}" id="publication-${id}">${esc(publicationLabels[state] ?? state)}</span>
      ${publish ? `<button type="button" id="publish-${id}" data-action="publish-draft" aria-label="${esc(`${publish} ${product.title}`)}">${publish}</button>` : ""}
      ${state === "unpublished" || state === "requested" ? `<button type="button" id="skip-${id}" data-action="skip-draft" aria-label="${esc(`Skip ${product.title}: do not publish it`)}">Skip</button>` : ""}
    </p>`;
}

export function draftCard(product, { confirmingDelete = false, check } = {}) {
  const id = product.draftId;
  const actions = confirmingDelete
    ? `<p id="confirm-${id}">Delete “${esc(product.title)}”? No image will be attached to it afterwards.</p>
       <button type="button" id="confirm-delete-${id}" data-action="confirm-delete" class="danger" aria-describedby="confirm-${id}">Yes, delete</button>
       <button type="button" id="cancel-delete-${id}" data-action="cancel-delete">Keep it</button>`
    : `<button type="button" id="edit-${id}" data-action="edit" aria-label="Edit ${esc(product.title)}">Edit</button>
       <button type="button" id="delete-${id}" data-action="delete" class="danger" aria-label="Delete ${esc(product.title)}">Delete</button>`;
  return `
    <article aria-labelledby="title-${id}">
      <h3 id="title-${id}">${esc(product.title)}</h3>
      <dl class="facts">
        <div><dt>SKU</dt><dd>${esc(product.sku ?? "—")}</dd></div>
        <div><dt>Quantity</dt><dd>${esc(product.quantity)}</dd></div>
        <div><dt>Unit cost</dt><dd>${esc(money(product.unitCost))}</dd></div>
        <div><dt>Retail price</dt><dd>${esc(money(product.retailPrice))}</dd></div>
      </dl>
      ${merged(product)}
      ${listing(product)}
      ${toCheck(check)}
      ${storeMatch(product, check?.publication?.match, check?.publication?.state ?? "unpublished")}
      ${publication(product, check?.publication?.state)}
      ${images(product)}
      <div class="card-actions">${actions}</div>
    </article>`;
}

export function draftEditForm(product) {
  const id = product.draftId;
  return `
    <form class="edit" data-form="edit" aria-label="Edit ${esc(product.title)}">
      <label for="title-input-${id}">Title</label>
      <input id="title-input-${id}" name="title" value="${esc(product.title)}" required maxlength="500" />
      <label for="sku-input-${id}">SKU</label>
      <input id="sku-input-${id}" name="sku" value="${esc(product.sku ?? "")}" maxlength="100" />
      <label for="quantity-input-${id}">Quantity</label>
      <input id="quantity-input-${id}" name="quantity" type="number" min="0" step="any" value="${esc(product.quantity)}" required />
      <label for="cost-input-${id}">Unit cost</label>
      <input id="cost-input-${id}" name="unitCost" type="number" min="0" step="0.01" value="${esc(product.unitCost ?? "")}" />
      <label for="price-input-${id}">Retail price</label>
      <input id="price-input-${id}" name="retailPrice" type="number" min="0" step="0.01" value="${esc(product.retailPrice ?? "")}" />
      <label for="type-input-${id}">Product type</label>
      <input id="type-input-${id}" name="productType" value="${esc(product.productType ?? "")}" maxlength="255" />
      <label for="tags-input-${id}">Tags</label>
      <input id="tags-input-${id}" name="tags" value="${esc((product.tags ?? []).join(", "))}" aria-describedby="tags-help-${id}" />
      <p id="tags-help-${id}" class="muted">Separate tags with commas.</p>
      <label for="description-input-${id}">Description</label>
      <textarea id="description-input-${id}" name="description" rows="4" maxlength="5000">${esc(product.description ?? "")}</textarea>
      <p class="error" role="alert"></p>
      <button type="submit">Save</button>
      <button type="button" data-action="cancel-edit">Cancel</button>
    </form>`;
}

/** Only the fields the reviewer changed, in the API's shape. */
export function changesFrom(form, product) {
  const value = (name) => form.elements[name].value.trim();
  const changes = {};
  if (value("title") !== product.title) changes.title = value("title");
  const sku = value("sku") || null;
  if (sku !== product.sku) changes.sku = sku;
  if (Number(value("quantity")) !== product.quantity) changes.quantity = Number(value("quantity"));
  const unitCost = value("unitCost") === "" ? null : Number(value("unitCost"));
  if (unitCost !== product.unitCost) changes.unitCost = unitCost;
  const retailPrice = value("retailPrice") === "" ? null : Number(value("retailPrice"));
  if (retailPrice !== (product.retailPrice ?? null)) changes.retailPrice = retailPrice;
  const productType = value("productType") || null;
  if (productType !== (product.productType ?? null)) changes.productType = productType;
  const description = value("description") || null;
  if (description !== (product.description ?? null)) changes.description = description;
  const tags = value("tags")
    .split(",")
    .map((tag) => tag.trim())
    .filter(Boolean);
  if (tags.join(",") !== (product.tags ?? []).join(",")) changes.tags = tags;
  return changes;
}
