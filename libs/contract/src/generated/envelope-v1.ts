// generated — do not edit. Source: schemas/**/*.avsc; regenerate with `npm run gen:types`.

/** Metadata carried by every Meridian event, nested as the first field `envelope` of each event record. Holds what the merge library needs: (hlc.nodeId, seq) is the dedup key and `observed` the dots this event supersedes. */
export interface Envelope {
  /** Unique id of this event (UUID). Maps to exactly one (hlc.nodeId, seq). */
  readonly eventId: string;
  /** Kind of aggregate the event belongs to, e.g. `profile`; events of one aggregate type share the topic `meridian.<aggregateType>`. */
  readonly aggregateType: string;
  /** Id of the aggregate instance; also the Kafka record key, so one aggregate stays in one partition. */
  readonly aggregateId: string;
  /** Region whose cluster first accepted the event, e.g. `us-east`. Unchanged by mirroring. */
  readonly originRegion: string;
  /** HLC stamp of the write; `hlc.nodeId` is the merge library's `origin`. */
  readonly hlc: Hlc;
  /** Fencing epoch of the writer for this aggregate; a write from a stale epoch is rejected by consumers. */
  readonly writerEpoch: number;
  /** eventId of the event or command that caused this one, if any. */
  readonly causationId: null | string;
  /** Id shared by every event of one business flow, if any. */
  readonly correlationId: null | string;
  /** When the writer accepted the change (epoch milliseconds). Informational; ordering uses `hlc`. */
  readonly occurredAt: number;
  /** Sequence number of this event per (origin node, aggregate): 1, 2, 3, ... gap-free at the writer. Merge's dedup key is (hlc.nodeId, seq). */
  readonly seq: number;
  /** Dots (`<nodeId>:<seq>`) of the field's earlier writes the writer had seen and this event supersedes (merge's `observed`). */
  readonly observed: readonly string[];
}

/** Hybrid logical clock stamp of the writer; the total order of last-writer-wins merges. */
export interface Hlc {
  /** Physical part: writer wall clock in epoch milliseconds, never decreasing. */
  readonly wallMs: number;
  /** Logical counter that orders stamps sharing one wallMs (0 .. 2^31-1). */
  readonly logical: number;
  /** Writing node; merge's `origin`. Printable ASCII without spaces, 1-128 characters. */
  readonly nodeId: string;
}
