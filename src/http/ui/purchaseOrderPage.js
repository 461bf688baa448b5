import { api, followPurchaseOrder } from "./api.js";
import { columnChoiceFrom, columnMappingPanel } from "./columnMapping.js";
import { changesFrom, draftCard, draftEditForm } from "./draftCard.js";
import { historyList } from "./history.js";
import { esc, statusLabels, timeline } from "./html.js";

const sessionLabels = { waiting_for_images: "Waiting for the first images", open: "Open", completed: "Completed" };

/** The PO page: its timeline, its review and one card per draft, kept live by the PO's event stream. */
export function renderPurchaseOrderPage(main, id, notify) {
  main.innerHTML = `
    <nav><a href="#/">← All purchase orders</a></nav>
    <h1 id="po-title">Purchase order</h1>
    <p id="po-status" aria-live="polite"></p>
    <section aria-labelledby="timeline-heading" class="panel">
      <h2 id="timeline-heading">Stage timeline</h2>
      <div id="timeline"></div>
    </section>
    <section aria-labelledby="columns-heading" class="panel" id="columns"></section>
    <div role="tablist" aria-label="Views of this purchase order" class="tabs">
      <button type="button" role="tab" id="tab-review" data-action="tab" aria-selected="true" aria-controls="panel-review">Drafts and review</button>
      <button type="button" role="tab" id="tab-history" data-action="tab" aria-selected="false" aria-controls="panel-history" tabindex="-1">History</button>
    </div>
    <div role="tabpanel" id="panel-review" aria-labelledby="tab-review">
    <section aria-labelledby="review-heading" class="panel review">
      <h2 id="review-heading">Image review</h2>
      <p id="review-status"></p>
      <button type="button" id="approve-remaining" data-action="approve-remaining">Approve all remaining images</button>
      <button type="button" id="complete-review" data-action="complete-review">Complete review</button>
    </section>
    <section aria-labelledby="publish-heading" class="panel">
      <h2 id="publish-heading">Shopify</h2>
      <p id="publish-status" aria-live="polite"></p>
      <button type="button" id="publish" data-action="publish">Publish to Shopify</button>
    </section>
    <section aria-labelledby="drafts-heading">
      <h2 id="drafts-heading">Drafts</h2>
      <p id="drafts-empty" class="empty" aria-busy="true">Reading the file and creating drafts…</p>
      <ul id="cards" class="cards"></ul>
    </section>
    </div>
    <div role="tabpanel" id="panel-history" aria-labelledby="tab-history" hidden>
      <section aria-labelledby="history-heading" class="panel">
        <h2 id="history-heading">History</h2>
        <p class="muted">Who did what and when, on the purchase order and each of its drafts, with what each change did.</p>
        <label class="choice"><input type="checkbox" id="history-stage-log" /> Include the stage log</label>
        <div id="history"></div>
        <button type="button" id="history-older" data-action="history-page" data-page="previous">Older events</button>
        <button type="button" id="history-newer" data-action="history-page" data-page="next">Newer events</button>
      </section>
    </div>`;
  const cards = main.querySelector("#cards");
  const products = new Map();
  const modes = new Map();
  /** The PO's view of each draft: whether its line was read with low confidence, and from what. */
  let checks = new Map();
  let review;
  /** The history page shown (its link), and the page as read. */
  let historyAt = `/audit/purchase-orders/${id}/history?limit=100`;
  let history;
  const historyShown = () => !main.querySelector("#panel-history").hidden;

  async function showHistory() {
    history = await api(historyAt);
    const draftTitles = new Map([...checks.values()].map((draft) => [draft.id, draft.title]));
    for (const entry of history.events)
      if (entry.streamName.startsWith("draft-") && entry.state?.title && !draftTitles.has(entry.state.draftId))
        draftTitles.set(entry.state.draftId, entry.state.title);
    history.events.sort((a, b) => Number(BigInt(a.position) - BigInt(b.position)));
    const html = historyList(history, { draftTitles, withStageLog: main.querySelector("#history-stage-log").checked });
    const list = main.querySelector("#history");
    if (list.dataset.html !== html) {
      list.innerHTML = html;
      list.dataset.html = html;
    }
    main.querySelector("#history-older").disabled = !history.previous;
    main.querySelector("#history-newer").disabled = !history.next;
  }

  function selectTab(tab) {
    for (const other of main.querySelectorAll("[role=tab]")) {
      const selected = other === tab;
      other.setAttribute("aria-selected", String(selected));
      other.tabIndex = selected ? 0 : -1;
      main.querySelector(`#${other.getAttribute("aria-controls")}`).hidden = !selected;
    }
    tab.focus();
    if (tab.id === "tab-history") return showHistory();
  }

  function syncCards(list) {
    const seen = new Set();
    let previous = null;
    for (const product of list) {
      seen.add(product.draftId);
      products.set(product.draftId, product);
      let li = cards.querySelector(`li[data-draft="${product.draftId}"]`);
      if (!li) {
        li = document.createElement("li");
        li.className = "card";
        li.dataset.draft = product.draftId;
      }
      const mode = modes.get(product.draftId);
      const check = checks.get(product.draftId);
      const html = mode === "editing" ? null : draftCard(product, { confirmingDelete: mode === "confirming", check });
      if (html !== null && li.dataset.html !== html) {
        li.innerHTML = html;
        li.dataset.html = html;
      }
      const expected = previous ? previous.nextElementSibling : cards.firstElementChild;
      if (li !== expected) cards.insertBefore(li, expected);
      previous = li;
    }
    for (const li of [...cards.children]) if (!seen.has(li.dataset.draft)) li.remove();
  }

  async function refresh() {
    const focused = document.activeElement?.id;
    const [po, latest] = await Promise.all([api(`/purchase-orders/${id}`), api(`/purchase-orders/${id}/review`)]);
    review = latest;
    checks = new Map(po.drafts.map((draft) => [draft.id, draft]));
    main.querySelector("#po-title").textContent = po.fileName;
    document.title = `${po.fileName} · po-pipeline`;
    const progress = po.progress.drafts ? ` · ${po.progress.draftsWithImagesDone} of ${po.progress.drafts} drafts done with images` : "";
    main.querySelector("#po-status").innerHTML =
      `<span class="badge status-${esc(po.status)}">${esc(statusLabels[po.status] ?? po.status)}</span><span class="muted">${esc(progress)}</span>`;
    main.querySelector("#timeline").innerHTML = timeline(po.timeline);
    const columns = main.querySelector("#columns");
    // Not while the merchant is choosing: a refresh would undo the choice.
    if (!columns.contains(document.activeElement)) columns.innerHTML = columnMappingPanel(po);
    const { summary } = review;
    main.querySelector("#review-status").textContent =
      `${sessionLabels[review.status] ?? review.status} · ${summary.approved} approved, ${summary.rejected} rejected, ${summary.pending} to decide`;
    main.querySelector("#approve-remaining").disabled = review.status === "waiting_for_images" || summary.pending === 0;
    main.querySelector("#complete-review").disabled = review.status !== "open";
    const states = po.drafts.map((draft) => draft.publication?.state ?? "unpublished");
    const count = (state) => states.filter((s) => s === state).length;
    main.querySelector("#publish-status").textContent =
      `${count("published")} of ${states.length} drafts published` +
      (count("changed") ? ` · ${count("changed")} changed since publish` : "") +
      (count("skipped") ? ` · ${count("skipped")} skipped` : "");
    main.querySelector("#publish").disabled = po.status === "publishing" || states.length === 0;
    const empty = main.querySelector("#drafts-empty");
    empty.hidden = review.products.length > 0;
    if (po.status === "parse_failed") empty.textContent = "The file could not be read; no drafts were created.";
    else if (po.drafts.length === 0 && po.status !== "uploaded") empty.textContent = "This purchase order has no drafts left.";
    syncCards(review.products);
    if (historyShown()) await showHistory();
    if (focused && document.activeElement === document.body) document.getElementById(focused)?.focus();
  }

  // At most one refresh in flight and one waiting: a burst of events costs two reads, not one per
  // event, and (unlike a debounce) a steady stream of events cannot hold the screen back.
  let running = null;
  let again = false;
  const refreshSoon = () => {
    if (running) return void (again = true);
    running = refresh()
      .catch((error) => notify(error.message, { error: true }))
      .finally(() => {
        running = null;
        if (again) {
          again = false;
          refreshSoon();
        }
      });
  };

  async function act(action, li, button) {
    const draftId = li?.dataset.draft;
    const product = draftId && products.get(draftId);
    switch (action) {
      case "tab":
        return selectTab(button);
      case "history-page":
        historyAt = history[button.dataset.page];
        await showHistory();
        return main.querySelector("#history-heading").scrollIntoView();
      case "goto-event": {
        const entry = document.getElementById(`event-${button.dataset.event}`);
        entry.scrollIntoView({ block: "center" });
        return entry.focus();
      }
      case "approve":
      case "reject":
      case "primary":
        await api(`/drafts/${draftId}/images/${button.dataset.image}/${action}`, { method: "POST" });
        notify(action === "primary" ? `Primary image set for ${product.title}` : `Image ${action === "approve" ? "approved" : "rejected"}`);
        break;
      case "approve-remaining": {
        const { approved } = await api(`/purchase-orders/${id}/review/approve-remaining`, { method: "POST" });
        notify(`${approved} images approved`);
        break;
      }
      case "publish": {
        const { drafts } = await api(`/purchase-orders/${id}/publish`, { method: "POST" });
        notify(`Publishing ${drafts} drafts to Shopify`);
        break;
      }
      case "publish-draft":
        await api(`/drafts/${draftId}/publish`, { method: "POST" });
        notify(`Publishing ${product.title}`);
        break;
      case "accept-match":
      case "refuse-match": {
        const decision = action === "accept-match" ? "accept" : "refuse";
        await api(`/drafts/${draftId}/match/${decision}`, { method: "POST" });
        notify(decision === "accept" ? `${product.title} will update the product in your store` : `${product.title} will be a new product`);
        break;
      }
      case "skip-draft":
        await api(`/drafts/${draftId}/skip-publish`, { method: "POST" });
        notify(`${product.title} will not be published`);
        break;
      case "complete-review":
        await api(`/purchase-orders/${id}/review/complete`, { method: "POST" });
        notify("Review completed");
        break;
      case "edit":
        modes.set(draftId, "editing");
        li.innerHTML = draftEditForm(product);
        li.dataset.html = "";
        li.querySelector("input").focus();
        return;
      case "cancel-edit":
      case "cancel-delete":
        modes.delete(draftId);
        li.dataset.html = "";
        syncCards(review.products);
        document.getElementById(`${action === "cancel-edit" ? "edit" : "delete"}-${draftId}`)?.focus();
        return;
      case "delete":
        modes.set(draftId, "confirming");
        syncCards(review.products);
        document.getElementById(`confirm-delete-${draftId}`)?.focus();
        return;
      case "confirm-delete":
        await api(`/drafts/${draftId}`, { method: "DELETE" });
        modes.delete(draftId);
        notify(`${product.title} deleted`);
        main.querySelector("#drafts-heading").focus?.();
        break;
    }
    await refresh();
  }

  main.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button || button.disabled || button.getAttribute("aria-busy") === "true") return;
    const li = button.closest("li.card");
    // Not `disabled`: a disabled button drops the keyboard focus, and the reviewer's place with it.
    button.setAttribute("aria-busy", "true");
    act(button.dataset.action, li, button)
      .catch((error) => notify(error.message, { error: true }))
      .finally(() => button.removeAttribute("aria-busy"));
  });

  // The tabs follow the ARIA tabs pattern: the arrow keys move between them.
  main.addEventListener("keydown", (event) => {
    const tab = event.target.closest("[role=tab]");
    if (!tab || (event.key !== "ArrowLeft" && event.key !== "ArrowRight")) return;
    const tabs = [...main.querySelectorAll("[role=tab]")];
    const next = tabs[(tabs.indexOf(tab) + (event.key === "ArrowRight" ? 1 : tabs.length - 1)) % tabs.length];
    event.preventDefault();
    selectTab(next)?.catch((error) => notify(error.message, { error: true }));
  });
  main.addEventListener("change", (event) => {
    if (event.target.id === "history-stage-log") showHistory().catch((error) => notify(error.message, { error: true }));
  });

  main.addEventListener("submit", (event) => {
    const mappingForm = event.target.closest("form[data-form=column-mapping]");
    if (mappingForm) {
      event.preventDefault();
      return void api(`/purchase-orders/${id}/column-mapping`, { method: "PUT", json: columnChoiceFrom(mappingForm) })
        .then(() => notify("The file was read again with your columns"))
        .then(() => {
          document.activeElement?.blur();
          return refresh();
        })
        .catch((error) => (mappingForm.querySelector("[role=alert]").textContent = error.message));
    }
    const form = event.target.closest("form[data-form=edit]");
    if (!form) return;
    event.preventDefault();
    const li = form.closest("li.card");
    const product = products.get(li.dataset.draft);
    const changes = changesFrom(form, product);
    const done = () => {
      modes.delete(product.draftId);
      li.dataset.html = "";
      return refresh().then(() => document.getElementById(`edit-${product.draftId}`)?.focus());
    };
    if (Object.keys(changes).length === 0) return void done();
    api(`/drafts/${product.draftId}`, { method: "PATCH", json: changes })
      .then(() => notify(`${changes.title ?? product.title} saved`))
      .then(done)
      .catch((error) => (form.querySelector("[role=alert]").textContent = error.message));
  });

  const stopFollowing = followPurchaseOrder(id, refreshSoon);
  refresh().catch((error) => {
    main.querySelector("#po-status").textContent = error.message;
  });
  return stopFollowing;
}
