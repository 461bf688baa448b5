import type { Envelope, EventType } from "../domain/events.ts";
import type { PipelineCommand } from "./commands.ts";

/** A process manager is a pure reaction: an event in, the commands it calls for out. */
export type ProcessManager<Name extends string = string> = {
  name: Name;
  handles: readonly EventType[];
  /** Background work yields to foreground work (the merchant's fast path) when both are ready. */
  priority: "foreground" | "background";
  react(envelope: Envelope): PipelineCommand[];
};
