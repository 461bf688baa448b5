import { api } from "./api.js";
import { esc, statusLabels, timeline } from "./html.js";

function row(po) {
  const uploaded = new Date(po.uploadedAt).toLocaleString();
  return `
    <li class="po panel">
      <h2><a href="#/po/${esc(po.id)}">${esc(po.fileName)}</a></h2>
      <p><span class="badge status-${esc(po.status)}">${esc(statusLabels[po.status] ?? po.status)}</span>
        <span class="muted">${po.draftCount} drafts · uploaded ${esc(uploaded)}</span></p>
      ${timeline(po.timeline)}
    </li>`;
}

export async function renderPurchaseOrders(main) {
  main.innerHTML = `
    <h1>Purchase orders</h1>
    <form id="upload" class="panel" enctype="multipart/form-data">
      <label for="po-file">Purchase order file (CSV, TSV or semicolon-separated)</label>
      <input id="po-file" name="file" type="file" accept=".csv,.tsv,.txt,.ssv,text/csv,text/tab-separated-values,text/plain" required />
      <p id="upload-error" class="error" role="alert"></p>
      <button type="submit">Upload</button>
    </form>
    <section aria-labelledby="list-heading">
      <h2 id="list-heading" class="visually-hidden">Your purchase orders</h2>
      <ul id="po-list" class="po-list" aria-busy="true"><li class="muted">Loading…</li></ul>
    </section>`;
  const form = main.querySelector("#upload");
  const error = form.querySelector("#upload-error");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = form.querySelector("#po-file").files[0];
    if (!file) {
      error.textContent = "Choose a file to upload.";
      return form.querySelector("#po-file").focus();
    }
    const body = new FormData();
    body.append("file", file, file.name);
    form.querySelector("button").disabled = true;
    try {
      const { id } = await api("/purchase-orders", { method: "POST", form: body });
      location.hash = `#/po/${id}`;
    } catch (failure) {
      error.textContent = failure.message;
      form.querySelector("button").disabled = false;
    }
  });
  const list = main.querySelector("#po-list");
  const { items } = await api("/purchase-orders?limit=50");
  list.innerHTML = items.length ? items.map(row).join("") : `<li class="muted">No purchase orders yet: upload one above.</li>`;
  list.removeAttribute("aria-busy");
}
