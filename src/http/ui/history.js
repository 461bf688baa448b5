import { esc } from "./html.js";

const MAX_VALUE = 140;
const DIFF_SHOWN = 6;

/** A value of a diff in a line: JSON, shortened; absent (a field added or removed) as a dash. */
const value = (v) => {
  if (v === undefined) return "—";
  const text = JSON.stringify(v);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
};

/** Which of the PO's streams, in the merchant's words: a draft by its title. */
function streamLabel(streamName, draftTitles) {
  const [category] = streamName.split("-", 1);
  const id = streamName.slice(category.length + 1);
  if (category === "draft") return `Draft “${draftTitles.get(id) ?? id.slice(0, 8)}”`;
  return { po: "Purchase order", workflow: "Stage log", review: "Image review", optimization: "Optimization job" }[category] ?? streamName;
}

const actorLabel = (actor) => (actor?.startsWith("merchant:") ? `you (${actor.slice(9)})` : (actor ?? "unknown"));

/** A button to an event shown on this page, or its name where it is not. */
function eventLink(ref, shown, draftTitles) {
  const name = `${ref.type} on ${streamLabel(ref.streamName, draftTitles)}`;
  if (!shown.has(ref.id)) return esc(name);
  return `<button type="button" class="link" data-action="goto-event" data-event="${esc(ref.id)}">${esc(name)}</button>`;
}

function causedBy(entry, shown, draftTitles) {
  const cause = entry.causedBy;
  if (!cause) return "";
  if (cause.kind === "event") return `<p class="muted">Caused by ${eventLink(cause, shown, draftTitles)}</p>`;
  const others = (cause.wrote ?? []).filter((ref) => ref.id !== entry.id).length;
  return `<p class="muted">Caused by a request of ${esc(actorLabel(cause.actor))}${others ? `, which wrote ${others} other events` : ""}</p>`;
}

function caused(entry, shown, draftTitles) {
  if (!entry.caused.length) return "";
  const items = entry.caused.map((ref) => `<li>${eventLink(ref, shown, draftTitles)}</li>`).join("");
  return `<div class="muted">Led to <ul class="caused">${items}</ul></div>`;
}

function diff(entry) {
  if (!entry.diff?.length) return "";
  const line = (change) => `<li><code>${esc(change.path)}</code>: ${esc(value(change.before))} → ${esc(value(change.after))}</li>`;
  const first = entry.diff.slice(0, DIFF_SHOWN).map(line).join("");
  const rest = entry.diff.slice(DIFF_SHOWN);
  const more = rest.length
    ? `<details><summary>${rest.length} more changed fields</summary><ul class="diff">${rest.map(line).join("")}</ul></details>`
    : "";
  return `<ul class="diff" aria-label="What it changed">${first}</ul>${more}`;
}

/** One entry of the PO's history: when, who, what and on which stream, what it changed, and its causes and effects. */
function historyEntry(entry, shown, draftTitles) {
  const when = new Date(entry.time);
  return `
    <li class="history-entry" id="event-${esc(entry.id)}" tabindex="-1">
      <p><time datetime="${esc(entry.time)}">${esc(when.toLocaleString())}</time> · <strong>${esc(entry.type)}</strong> on ${esc(streamLabel(entry.streamName, draftTitles))} by ${esc(actorLabel(entry.metadata.actor))}
        <span class="muted">(revision ${esc(entry.revision)}, position ${esc(entry.position)}, schema v${esc(entry.metadata.schemaVersion)})</span></p>
      ${diff(entry)}${causedBy(entry, shown, draftTitles)}${caused(entry, shown, draftTitles)}
    </li>`;
}

/** The history tab's list; the stage log's entries only when asked for (they are many, and change no state). */
export function historyList(page, { draftTitles, withStageLog }) {
  const events = page.events.filter((e) => withStageLog || !e.streamName.startsWith("workflow-"));
  const shown = new Set(events.map((e) => e.id));
  if (events.length === 0) return `<p class="empty">Nothing has happened yet.</p>`;
  return `<ol class="history" aria-label="What happened, oldest first">${events.map((e) => historyEntry(e, shown, draftTitles)).join("")}</ol>`;
}
