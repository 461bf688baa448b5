import type { AppendResult, EventStore, EventToAppend, ExpectedRevision, StreamAppend } from "../../src/eventstore/port.ts";

/** An event store that remembers each append that succeeded, as the streams it wrote together, and each stream it read. */
export class RecordingEventStore implements EventStore {
  readonly appends: StreamAppend[][] = [];
  readonly streamsRead: string[] = [];

  constructor(private readonly inner: EventStore) {}

  async appendToStream(
    streamName: string,
    events: EventToAppend[],
    options?: { expectedRevision?: ExpectedRevision },
  ): Promise<AppendResult> {
    const result = await this.inner.appendToStream(streamName, events, options);
    this.appends.push([{ streamName, events, expectedRevision: options?.expectedRevision }]);
    return result;
  }

  async appendToStreams(appends: StreamAppend[]): Promise<AppendResult[]> {
    const results = await this.inner.appendToStreams(appends);
    this.appends.push(appends);
    return results;
  }

  readStream: EventStore["readStream"] = (streamName, options) => {
    this.streamsRead.push(streamName);
    return this.inner.readStream(streamName, options);
  };
  readAll: EventStore["readAll"] = (...args) => this.inner.readAll(...args);
  headPosition: EventStore["headPosition"] = () => this.inner.headPosition();
  subscribeToAll: EventStore["subscribeToAll"] = (...args) => this.inner.subscribeToAll(...args);
  close: EventStore["close"] = () => this.inner.close();
}
