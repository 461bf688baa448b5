import type { Envelope, EventOfType, EventType } from "../domain/events.ts";
import type { PipelineCommand, PipelineCommandOfType } from "./commands.ts";

/** For each event type a process manager handles, the commands that event calls for. */
export type Reactions = { [T in EventType]?: (envelope: Envelope<EventOfType<T>>) => PipelineCommand[] };

/** A process manager is a pure reaction: an event in, the commands it calls for out. */
export type ProcessManager<Name extends string = string> = {
  name: Name;
  reactions: Reactions;
  /**
   * For commands whose effect is the same whichever event asked for them (open this PO's review):
   * their ids and stage-log entries derive from the subject, not the event, so asking again for
   * something already done writes nothing at all.
   */
  idempotentPerSubject?: boolean;
};

/** The event types a process manager reacts to: its subscription asks the store for these only. */
export const handledTypes = (pm: ProcessManager): EventType[] => Object.keys(pm.reactions) as EventType[];

export function react(pm: ProcessManager, envelope: Envelope): PipelineCommand[] {
  const reaction = pm.reactions[envelope.event.type] as ((envelope: Envelope) => PipelineCommand[]) | undefined;
  return reaction ? reaction(envelope) : [];
}

type PerDraftCommand = "SearchDraftImages" | "EnrichDraft" | "MatchDraftProduct";

/** The reaction of a stage that works on each new draft: one command per draft DraftsCreated made, the draft as its subject. */
export const commandPerNewDraft =
  <T extends PerDraftCommand>(type: T, stage: PipelineCommandOfType<T>["stage"]) =>
  ({ event, metadata }: Envelope<EventOfType<"DraftsCreated">>): PipelineCommand[] =>
    event.data.drafts.map(
      ({ draftId }) =>
        ({
          type,
          stage,
          purchaseOrderId: event.data.purchaseOrderId,
          merchantId: metadata.merchantId,
          subjectId: draftId,
          draftId,
        }) as PipelineCommandOfType<T>,
    );
