const escapes = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
export const esc = (value) => String(value ?? "").replace(/[&<>"']/g, (c) => escapes[c]);

export const stageLabels = {
  upload: "Upload",
  parse: "Parse",
  normalize: "Normalize",
  apply_rules: "Apply merchant rules",
  create_drafts: "Create drafts",
  search_images: "Search images",
  attach_images: "Attach images",
  open_review: "Open review",
  enrich: "Enrich (AI)",
  optimize_images: "Optimize images",
  publish: "Publish",
  complete: "Complete",
};

export const statusLabels = {
  uploaded: "Uploaded",
  parsing: "Being read by the AI parser",
  parsed: "Parsed",
  parse_failed: "Could not be parsed",
  images_pending: "Images arriving",
  images_failed: "Some image searches failed",
  complete: "Complete",
  publishing: "Publishing to Shopify",
  published: "Published to Shopify",
};

export function timeline(items) {
  if (!items?.length) return `<p class="muted">No stages yet.</p>`;
  const rows = items
    .map((s) => {
      const count = s.total > 1 ? ` <span class="muted">${s.done}/${s.total}</span>` : "";
      return `<li class="stage stage-${esc(s.status)}"><span class="stage-name">${esc(stageLabels[s.stage] ?? s.stage)}</span> <span class="badge">${esc(s.status)}</span>${count}</li>`;
    })
    .join("");
  return `<ol class="timeline" aria-label="Stage timeline">${rows}</ol>`;
}

export const money = (value) =>
  value === null || value === undefined ? "—" : value.toLocaleString(undefined, { style: "currency", currency: "USD" });
