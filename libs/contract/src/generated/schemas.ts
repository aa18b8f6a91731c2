// generated — do not edit. Source: schemas/**/*.avsc; regenerate with `npm run gen:types`.
import type { EventName } from './events';

/**
 * Self-contained schema (references inlined) of each event: the reader schema of this build and
 * the text registered under the subject of the same name.
 */
export const EVENT_SCHEMAS: { readonly [N in EventName]: string } = {
  'io.meridian.profile.v1.CreditAdjusted': `{
  "type": "record",
  "name": "CreditAdjusted",
  "namespace": "io.meridian.profile.v1",
  "doc": "The credit balance changed. Merged as a PN-counter: each origin carries its running totals.",
  "fields": [
    {
      "name": "envelope",
      "type": {
        "type": "record",
        "name": "Envelope",
        "namespace": "io.meridian.envelope.v1",
        "doc": "Metadata carried by every Meridian event, nested as the first field \`envelope\` of each event record. Holds what the merge library needs: (hlc.nodeId, seq) is the dedup key and \`observed\` the dots this event supersedes.",
        "fields": [
          {
            "name": "eventId",
            "type": {
              "type": "string",
              "logicalType": "uuid"
            },
            "doc": "Unique id of this event (UUID). Maps to exactly one (hlc.nodeId, seq)."
          },
          {
            "name": "aggregateType",
            "type": "string",
            "doc": "Kind of aggregate the event belongs to, e.g. \`profile\`; events of one aggregate type share the topic \`meridian.<aggregateType>\`."
          },
          {
            "name": "aggregateId",
            "type": "string",
            "doc": "Id of the aggregate instance; also the Kafka record key, so one aggregate stays in one partition."
          },
          {
            "name": "originRegion",
            "type": "string",
            "doc": "Region whose cluster first accepted the event, e.g. \`us-east\`. Unchanged by mirroring."
          },
          {
            "name": "hlc",
            "type": {
              "type": "record",
              "name": "Hlc",
              "doc": "Hybrid logical clock stamp of the writer; the total order of last-writer-wins merges.",
              "fields": [
                {
                  "name": "wallMs",
                  "type": "long",
                  "doc": "Physical part: writer wall clock in epoch milliseconds, never decreasing."
                },
                {
                  "name": "logical",
                  "type": "int",
                  "doc": "Logical counter that orders stamps sharing one wallMs (0 .. 2^31-1)."
                },
                {
                  "name": "nodeId",
                  "type": "string",
                  "doc": "Writing node; merge's \`origin\`. Printable ASCII without spaces, 1-128 characters."
                }
              ]
            },
            "doc": "HLC stamp of the write; \`hlc.nodeId\` is the merge library's \`origin\`."
          },
          {
            "name": "writerEpoch",
            "type": "long",
            "doc": "Fencing epoch of the writer for this aggregate; a write from a stale epoch is rejected by consumers."
          },
          {
            "name": "causationId",
            "type": [
              "null",
              "string"
            ],
            "default": null,
            "doc": "eventId of the event or command that caused this one, if any."
          },
          {
            "name": "correlationId",
            "type": [
              "null",
              "string"
            ],
            "default": null,
            "doc": "Id shared by every event of one business flow, if any."
          },
          {
            "name": "occurredAt",
            "type": {
              "type": "long",
              "logicalType": "timestamp-millis"
            },
            "doc": "When the writer accepted the change (epoch milliseconds). Informational; ordering uses \`hlc\`."
          },
          {
            "name": "seq",
            "type": "long",
            "doc": "Sequence number of this event per (origin node, aggregate): 1, 2, 3, ... gap-free at the writer. Merge's dedup key is (hlc.nodeId, seq)."
          },
          {
            "name": "observed",
            "type": {
              "type": "array",
              "items": "string"
            },
            "default": [],
            "doc": "Dots (\`<nodeId>:<seq>\`) of the field's earlier writes the writer had seen and this event supersedes (merge's \`observed\`)."
          }
        ]
      },
      "doc": "Event metadata (ids, HLC, causal dots)."
    },
    {
      "name": "amountCents",
      "type": "long",
      "doc": "Signed change in cents (negative for a debit); informational, merge uses the totals."
    },
    {
      "name": "totalsP",
      "type": "long",
      "doc": "Running total of increments (cents) by this origin after the change: merge counter.add \`p\`."
    },
    {
      "name": "totalsN",
      "type": "long",
      "doc": "Running total of decrements (cents) by this origin after the change: merge counter.add \`n\`."
    }
  ]
}`,
  'io.meridian.profile.v1.FavouriteAdded': `{
  "type": "record",
  "name": "FavouriteAdded",
  "namespace": "io.meridian.profile.v1",
  "doc": "An item was added to the favourites. Merged as an add-wins OR-set.",
  "fields": [
    {
      "name": "envelope",
      "type": {
        "type": "record",
        "name": "Envelope",
        "namespace": "io.meridian.envelope.v1",
        "doc": "Metadata carried by every Meridian event, nested as the first field \`envelope\` of each event record. Holds what the merge library needs: (hlc.nodeId, seq) is the dedup key and \`observed\` the dots this event supersedes.",
        "fields": [
          {
            "name": "eventId",
            "type": {
              "type": "string",
              "logicalType": "uuid"
            },
            "doc": "Unique id of this event (UUID). Maps to exactly one (hlc.nodeId, seq)."
          },
          {
            "name": "aggregateType",
            "type": "string",
            "doc": "Kind of aggregate the event belongs to, e.g. \`profile\`; events of one aggregate type share the topic \`meridian.<aggregateType>\`."
          },
          {
            "name": "aggregateId",
            "type": "string",
            "doc": "Id of the aggregate instance; also the Kafka record key, so one aggregate stays in one partition."
          },
          {
            "name": "originRegion",
            "type": "string",
            "doc": "Region whose cluster first accepted the event, e.g. \`us-east\`. Unchanged by mirroring."
          },
          {
            "name": "hlc",
            "type": {
              "type": "record",
              "name": "Hlc",
              "doc": "Hybrid logical clock stamp of the writer; the total order of last-writer-wins merges.",
              "fields": [
                {
                  "name": "wallMs",
                  "type": "long",
                  "doc": "Physical part: writer wall clock in epoch milliseconds, never decreasing."
                },
                {
                  "name": "logical",
                  "type": "int",
                  "doc": "Logical counter that orders stamps sharing one wallMs (0 .. 2^31-1)."
                },
                {
                  "name": "nodeId",
                  "type": "string",
                  "doc": "Writing node; merge's \`origin\`. Printable ASCII without spaces, 1-128 characters."
                }
              ]
            },
            "doc": "HLC stamp of the write; \`hlc.nodeId\` is the merge library's \`origin\`."
          },
          {
            "name": "writerEpoch",
            "type": "long",
            "doc": "Fencing epoch of the writer for this aggregate; a write from a stale epoch is rejected by consumers."
          },
          {
            "name": "causationId",
            "type": [
              "null",
              "string"
            ],
            "default": null,
            "doc": "eventId of the event or command that caused this one, if any."
          },
          {
            "name": "correlationId",
            "type": [
              "null",
              "string"
            ],
            "default": null,
            "doc": "Id shared by every event of one business flow, if any."
          },
          {
            "name": "occurredAt",
            "type": {
              "type": "long",
              "logicalType": "timestamp-millis"
            },
            "doc": "When the writer accepted the change (epoch milliseconds). Informational; ordering uses \`hlc\`."
          },
          {
            "name": "seq",
            "type": "long",
            "doc": "Sequence number of this event per (origin node, aggregate): 1, 2, 3, ... gap-free at the writer. Merge's dedup key is (hlc.nodeId, seq)."
          },
          {
            "name": "observed",
            "type": {
              "type": "array",
              "items": "string"
            },
            "default": [],
            "doc": "Dots (\`<nodeId>:<seq>\`) of the field's earlier writes the writer had seen and this event supersedes (merge's \`observed\`)."
          }
        ]
      },
      "doc": "Event metadata (ids, HLC, causal dots)."
    },
    {
      "name": "itemId",
      "type": "string",
      "doc": "Id of the item added."
    }
  ]
}`,
  'io.meridian.profile.v1.FavouriteRemoved': `{
  "type": "record",
  "name": "FavouriteRemoved",
  "namespace": "io.meridian.profile.v1",
  "doc": "An item was removed from the favourites (observed-remove; a concurrent add elsewhere wins).",
  "fields": [
    {
      "name": "envelope",
      "type": {
        "type": "record",
        "name": "Envelope",
        "namespace": "io.meridian.envelope.v1",
        "doc": "Metadata carried by every Meridian event, nested as the first field \`envelope\` of each event record. Holds what the merge library needs: (hlc.nodeId, seq) is the dedup key and \`observed\` the dots this event supersedes.",
        "fields": [
          {
            "name": "eventId",
            "type": {
              "type": "string",
              "logicalType": "uuid"
            },
            "doc": "Unique id of this event (UUID). Maps to exactly one (hlc.nodeId, seq)."
          },
          {
            "name": "aggregateType",
            "type": "string",
            "doc": "Kind of aggregate the event belongs to, e.g. \`profile\`; events of one aggregate type share the topic \`meridian.<aggregateType>\`."
          },
          {
            "name": "aggregateId",
            "type": "string",
            "doc": "Id of the aggregate instance; also the Kafka record key, so one aggregate stays in one partition."
          },
          {
            "name": "originRegion",
            "type": "string",
            "doc": "Region whose cluster first accepted the event, e.g. \`us-east\`. Unchanged by mirroring."
          },
          {
            "name": "hlc",
            "type": {
              "type": "record",
              "name": "Hlc",
              "doc": "Hybrid logical clock stamp of the writer; the total order of last-writer-wins merges.",
              "fields": [
                {
                  "name": "wallMs",
                  "type": "long",
                  "doc": "Physical part: writer wall clock in epoch milliseconds, never decreasing."
                },
                {
                  "name": "logical",
                  "type": "int",
                  "doc": "Logical counter that orders stamps sharing one wallMs (0 .. 2^31-1)."
                },
                {
                  "name": "nodeId",
                  "type": "string",
                  "doc": "Writing node; merge's \`origin\`. Printable ASCII without spaces, 1-128 characters."
                }
              ]
            },
            "doc": "HLC stamp of the write; \`hlc.nodeId\` is the merge library's \`origin\`."
          },
          {
            "name": "writerEpoch",
            "type": "long",
            "doc": "Fencing epoch of the writer for this aggregate; a write from a stale epoch is rejected by consumers."
          },
          {
            "name": "causationId",
            "type": [
              "null",
              "string"
            ],
            "default": null,
            "doc": "eventId of the event or command that caused this one, if any."
          },
          {
            "name": "correlationId",
            "type": [
              "null",
              "string"
            ],
            "default": null,
            "doc": "Id shared by every event of one business flow, if any."
          },
          {
            "name": "occurredAt",
            "type": {
              "type": "long",
              "logicalType": "timestamp-millis"
            },
            "doc": "When the writer accepted the change (epoch milliseconds). Informational; ordering uses \`hlc\`."
          },
          {
            "name": "seq",
            "type": "long",
            "doc": "Sequence number of this event per (origin node, aggregate): 1, 2, 3, ... gap-free at the writer. Merge's dedup key is (hlc.nodeId, seq)."
          },
          {
            "name": "observed",
            "type": {
              "type": "array",
              "items": "string"
            },
            "default": [],
            "doc": "Dots (\`<nodeId>:<seq>\`) of the field's earlier writes the writer had seen and this event supersedes (merge's \`observed\`)."
          }
        ]
      },
      "doc": "Event metadata (ids, HLC, causal dots)."
    },
    {
      "name": "itemId",
      "type": "string",
      "doc": "Id of the item removed."
    }
  ]
}`,
  'io.meridian.profile.v1.LoginRecorded': `{
  "type": "record",
  "name": "LoginRecorded",
  "namespace": "io.meridian.profile.v1",
  "doc": "A login was recorded. Merged as a grow-only counter of logins.",
  "fields": [
    {
      "name": "envelope",
      "type": {
        "type": "record",
        "name": "Envelope",
        "namespace": "io.meridian.envelope.v1",
        "doc": "Metadata carried by every Meridian event, nested as the first field \`envelope\` of each event record. Holds what the merge library needs: (hlc.nodeId, seq) is the dedup key and \`observed\` the dots this event supersedes.",
        "fields": [
          {
            "name": "eventId",
            "type": {
              "type": "string",
              "logicalType": "uuid"
            },
            "doc": "Unique id of this event (UUID). Maps to exactly one (hlc.nodeId, seq)."
          },
          {
            "name": "aggregateType",
            "type": "string",
            "doc": "Kind of aggregate the event belongs to, e.g. \`profile\`; events of one aggregate type share the topic \`meridian.<aggregateType>\`."
          },
          {
            "name": "aggregateId",
            "type": "string",
            "doc": "Id of the aggregate instance; also the Kafka record key, so one aggregate stays in one partition."
          },
          {
            "name": "originRegion",
            "type": "string",
            "doc": "Region whose cluster first accepted the event, e.g. \`us-east\`. Unchanged by mirroring."
          },
          {
            "name": "hlc",
            "type": {
              "type": "record",
              "name": "Hlc",
              "doc": "Hybrid logical clock stamp of the writer; the total order of last-writer-wins merges.",
              "fields": [
                {
                  "name": "wallMs",
                  "type": "long",
                  "doc": "Physical part: writer wall clock in epoch milliseconds, never decreasing."
                },
                {
                  "name": "logical",
                  "type": "int",
                  "doc": "Logical counter that orders stamps sharing one wallMs (0 .. 2^31-1)."
                },
                {
                  "name": "nodeId",
                  "type": "string",
                  "doc": "Writing node; merge's \`origin\`. Printable ASCII without spaces, 1-128 characters."
                }
              ]
            },
            "doc": "HLC stamp of the write; \`hlc.nodeId\` is the merge library's \`origin\`."
          },
          {
            "name": "writerEpoch",
            "type": "long",
            "doc": "Fencing epoch of the writer for this aggregate; a write from a stale epoch is rejected by consumers."
          },
          {
            "name": "causationId",
            "type": [
              "null",
              "string"
            ],
            "default": null,
            "doc": "eventId of the event or command that caused this one, if any."
          },
          {
            "name": "correlationId",
            "type": [
              "null",
              "string"
            ],
            "default": null,
            "doc": "Id shared by every event of one business flow, if any."
          },
          {
            "name": "occurredAt",
            "type": {
              "type": "long",
              "logicalType": "timestamp-millis"
            },
            "doc": "When the writer accepted the change (epoch milliseconds). Informational; ordering uses \`hlc\`."
          },
          {
            "name": "seq",
            "type": "long",
            "doc": "Sequence number of this event per (origin node, aggregate): 1, 2, 3, ... gap-free at the writer. Merge's dedup key is (hlc.nodeId, seq)."
          },
          {
            "name": "observed",
            "type": {
              "type": "array",
              "items": "string"
            },
            "default": [],
            "doc": "Dots (\`<nodeId>:<seq>\`) of the field's earlier writes the writer had seen and this event supersedes (merge's \`observed\`)."
          }
        ]
      },
      "doc": "Event metadata (ids, HLC, causal dots)."
    },
    {
      "name": "totalsP",
      "type": "long",
      "doc": "Running count of logins recorded by this origin after this one: merge counter.add \`p\` (n is 0)."
    }
  ]
}`,
  'io.meridian.profile.v1.PreferenceRemoved': `{
  "type": "record",
  "name": "PreferenceRemoved",
  "namespace": "io.meridian.profile.v1",
  "doc": "A preference was removed (observed-remove of the key in the last-writer-wins map).",
  "fields": [
    {
      "name": "envelope",
      "type": {
        "type": "record",
        "name": "Envelope",
        "namespace": "io.meridian.envelope.v1",
        "doc": "Metadata carried by every Meridian event, nested as the first field \`envelope\` of each event record. Holds what the merge library needs: (hlc.nodeId, seq) is the dedup key and \`observed\` the dots this event supersedes.",
        "fields": [
          {
            "name": "eventId",
            "type": {
              "type": "string",
              "logicalType": "uuid"
            },
            "doc": "Unique id of this event (UUID). Maps to exactly one (hlc.nodeId, seq)."
          },
          {
            "name": "aggregateType",
            "type": "string",
            "doc": "Kind of aggregate the event belongs to, e.g. \`profile\`; events of one aggregate type share the topic \`meridian.<aggregateType>\`."
          },
          {
            "name": "aggregateId",
            "type": "string",
            "doc": "Id of the aggregate instance; also the Kafka record key, so one aggregate stays in one partition."
          },
          {
            "name": "originRegion",
            "type": "string",
            "doc": "Region whose cluster first accepted the event, e.g. \`us-east\`. Unchanged by mirroring."
          },
          {
            "name": "hlc",
            "type": {
              "type": "record",
              "name": "Hlc",
              "doc": "Hybrid logical clock stamp of the writer; the total order of last-writer-wins merges.",
              "fields": [
                {
                  "name": "wallMs",
                  "type": "long",
                  "doc": "Physical part: writer wall clock in epoch milliseconds, never decreasing."
                },
                {
                  "name": "logical",
                  "type": "int",
                  "doc": "Logical counter that orders stamps sharing one wallMs (0 .. 2^31-1)."
                },
                {
                  "name": "nodeId",
                  "type": "string",
                  "doc": "Writing node; merge's \`origin\`. Printable ASCII without spaces, 1-128 characters."
                }
              ]
            },
            "doc": "HLC stamp of the write; \`hlc.nodeId\` is the merge library's \`origin\`."
          },
          {
            "name": "writerEpoch",
            "type": "long",
            "doc": "Fencing epoch of the writer for this aggregate; a write from a stale epoch is rejected by consumers."
          },
          {
            "name": "causationId",
            "type": [
              "null",
              "string"
            ],
            "default": null,
            "doc": "eventId of the event or command that caused this one, if any."
          },
          {
            "name": "correlationId",
            "type": [
              "null",
              "string"
            ],
            "default": null,
            "doc": "Id shared by every event of one business flow, if any."
          },
          {
            "name": "occurredAt",
            "type": {
              "type": "long",
              "logicalType": "timestamp-millis"
            },
            "doc": "When the writer accepted the change (epoch milliseconds). Informational; ordering uses \`hlc\`."
          },
          {
            "name": "seq",
            "type": "long",
            "doc": "Sequence number of this event per (origin node, aggregate): 1, 2, 3, ... gap-free at the writer. Merge's dedup key is (hlc.nodeId, seq)."
          },
          {
            "name": "observed",
            "type": {
              "type": "array",
              "items": "string"
            },
            "default": [],
            "doc": "Dots (\`<nodeId>:<seq>\`) of the field's earlier writes the writer had seen and this event supersedes (merge's \`observed\`)."
          }
        ]
      },
      "doc": "Event metadata (ids, HLC, causal dots)."
    },
    {
      "name": "key",
      "type": "string",
      "doc": "Preference key removed."
    }
  ]
}`,
  'io.meridian.profile.v1.PreferenceSet': `{
  "type": "record",
  "name": "PreferenceSet",
  "namespace": "io.meridian.profile.v1",
  "doc": "A preference was set. Merged as one key of a last-writer-wins map.",
  "fields": [
    {
      "name": "envelope",
      "type": {
        "type": "record",
        "name": "Envelope",
        "namespace": "io.meridian.envelope.v1",
        "doc": "Metadata carried by every Meridian event, nested as the first field \`envelope\` of each event record. Holds what the merge library needs: (hlc.nodeId, seq) is the dedup key and \`observed\` the dots this event supersedes.",
        "fields": [
          {
            "name": "eventId",
            "type": {
              "type": "string",
              "logicalType": "uuid"
            },
            "doc": "Unique id of this event (UUID). Maps to exactly one (hlc.nodeId, seq)."
          },
          {
            "name": "aggregateType",
            "type": "string",
            "doc": "Kind of aggregate the event belongs to, e.g. \`profile\`; events of one aggregate type share the topic \`meridian.<aggregateType>\`."
          },
          {
            "name": "aggregateId",
            "type": "string",
            "doc": "Id of the aggregate instance; also the Kafka record key, so one aggregate stays in one partition."
          },
          {
            "name": "originRegion",
            "type": "string",
            "doc": "Region whose cluster first accepted the event, e.g. \`us-east\`. Unchanged by mirroring."
          },
          {
            "name": "hlc",
            "type": {
              "type": "record",
              "name": "Hlc",
              "doc": "Hybrid logical clock stamp of the writer; the total order of last-writer-wins merges.",
              "fields": [
                {
                  "name": "wallMs",
                  "type": "long",
                  "doc": "Physical part: writer wall clock in epoch milliseconds, never decreasing."
                },
                {
                  "name": "logical",
                  "type": "int",
                  "doc": "Logical counter that orders stamps sharing one wallMs (0 .. 2^31-1)."
                },
                {
                  "name": "nodeId",
                  "type": "string",
                  "doc": "Writing node; merge's \`origin\`. Printable ASCII without spaces, 1-128 characters."
                }
              ]
            },
            "doc": "HLC stamp of the write; \`hlc.nodeId\` is the merge library's \`origin\`."
          },
          {
            "name": "writerEpoch",
            "type": "long",
            "doc": "Fencing epoch of the writer for this aggregate; a write from a stale epoch is rejected by consumers."
          },
          {
            "name": "causationId",
            "type": [
              "null",
              "string"
            ],
            "default": null,
            "doc": "eventId of the event or command that caused this one, if any."
          },
          {
            "name": "correlationId",
            "type": [
              "null",
              "string"
            ],
            "default": null,
            "doc": "Id shared by every event of one business flow, if any."
          },
          {
            "name": "occurredAt",
            "type": {
              "type": "long",
              "logicalType": "timestamp-millis"
            },
            "doc": "When the writer accepted the change (epoch milliseconds). Informational; ordering uses \`hlc\`."
          },
          {
            "name": "seq",
            "type": "long",
            "doc": "Sequence number of this event per (origin node, aggregate): 1, 2, 3, ... gap-free at the writer. Merge's dedup key is (hlc.nodeId, seq)."
          },
          {
            "name": "observed",
            "type": {
              "type": "array",
              "items": "string"
            },
            "default": [],
            "doc": "Dots (\`<nodeId>:<seq>\`) of the field's earlier writes the writer had seen and this event supersedes (merge's \`observed\`)."
          }
        ]
      },
      "doc": "Event metadata (ids, HLC, causal dots)."
    },
    {
      "name": "key",
      "type": "string",
      "doc": "Preference key, e.g. \`theme\`."
    },
    {
      "name": "value",
      "type": "string",
      "doc": "New value of the preference."
    }
  ]
}`,
  'io.meridian.profile.v1.ProfileFieldChanged': `{
  "type": "record",
  "name": "ProfileFieldChanged",
  "namespace": "io.meridian.profile.v1",
  "doc": "A scalar profile field was set. Merged as a last-writer-wins register per field.",
  "fields": [
    {
      "name": "envelope",
      "type": {
        "type": "record",
        "name": "Envelope",
        "namespace": "io.meridian.envelope.v1",
        "doc": "Metadata carried by every Meridian event, nested as the first field \`envelope\` of each event record. Holds what the merge library needs: (hlc.nodeId, seq) is the dedup key and \`observed\` the dots this event supersedes.",
        "fields": [
          {
            "name": "eventId",
            "type": {
              "type": "string",
              "logicalType": "uuid"
            },
            "doc": "Unique id of this event (UUID). Maps to exactly one (hlc.nodeId, seq)."
          },
          {
            "name": "aggregateType",
            "type": "string",
            "doc": "Kind of aggregate the event belongs to, e.g. \`profile\`; events of one aggregate type share the topic \`meridian.<aggregateType>\`."
          },
          {
            "name": "aggregateId",
            "type": "string",
            "doc": "Id of the aggregate instance; also the Kafka record key, so one aggregate stays in one partition."
          },
          {
            "name": "originRegion",
            "type": "string",
            "doc": "Region whose cluster first accepted the event, e.g. \`us-east\`. Unchanged by mirroring."
          },
          {
            "name": "hlc",
            "type": {
              "type": "record",
              "name": "Hlc",
              "doc": "Hybrid logical clock stamp of the writer; the total order of last-writer-wins merges.",
              "fields": [
                {
                  "name": "wallMs",
                  "type": "long",
                  "doc": "Physical part: writer wall clock in epoch milliseconds, never decreasing."
                },
                {
                  "name": "logical",
                  "type": "int",
                  "doc": "Logical counter that orders stamps sharing one wallMs (0 .. 2^31-1)."
                },
                {
                  "name": "nodeId",
                  "type": "string",
                  "doc": "Writing node; merge's \`origin\`. Printable ASCII without spaces, 1-128 characters."
                }
              ]
            },
            "doc": "HLC stamp of the write; \`hlc.nodeId\` is the merge library's \`origin\`."
          },
          {
            "name": "writerEpoch",
            "type": "long",
            "doc": "Fencing epoch of the writer for this aggregate; a write from a stale epoch is rejected by consumers."
          },
          {
            "name": "causationId",
            "type": [
              "null",
              "string"
            ],
            "default": null,
            "doc": "eventId of the event or command that caused this one, if any."
          },
          {
            "name": "correlationId",
            "type": [
              "null",
              "string"
            ],
            "default": null,
            "doc": "Id shared by every event of one business flow, if any."
          },
          {
            "name": "occurredAt",
            "type": {
              "type": "long",
              "logicalType": "timestamp-millis"
            },
            "doc": "When the writer accepted the change (epoch milliseconds). Informational; ordering uses \`hlc\`."
          },
          {
            "name": "seq",
            "type": "long",
            "doc": "Sequence number of this event per (origin node, aggregate): 1, 2, 3, ... gap-free at the writer. Merge's dedup key is (hlc.nodeId, seq)."
          },
          {
            "name": "observed",
            "type": {
              "type": "array",
              "items": "string"
            },
            "default": [],
            "doc": "Dots (\`<nodeId>:<seq>\`) of the field's earlier writes the writer had seen and this event supersedes (merge's \`observed\`)."
          }
        ]
      },
      "doc": "Event metadata (ids, HLC, causal dots)."
    },
    {
      "name": "field",
      "type": {
        "type": "enum",
        "name": "ProfileField",
        "doc": "Profile fields that hold one scalar value.",
        "symbols": [
          "displayName",
          "email",
          "locale"
        ]
      },
      "doc": "Which profile field changed."
    },
    {
      "name": "value",
      "type": "string",
      "doc": "New value of the field."
    }
  ]
}`,
  'io.meridian.profile.v1.SessionEnded': `{
  "type": "record",
  "name": "SessionEnded",
  "namespace": "io.meridian.profile.v1",
  "doc": "A session ended.",
  "fields": [
    {
      "name": "envelope",
      "type": {
        "type": "record",
        "name": "Envelope",
        "namespace": "io.meridian.envelope.v1",
        "doc": "Metadata carried by every Meridian event, nested as the first field \`envelope\` of each event record. Holds what the merge library needs: (hlc.nodeId, seq) is the dedup key and \`observed\` the dots this event supersedes.",
        "fields": [
          {
            "name": "eventId",
            "type": {
              "type": "string",
              "logicalType": "uuid"
            },
            "doc": "Unique id of this event (UUID). Maps to exactly one (hlc.nodeId, seq)."
          },
          {
            "name": "aggregateType",
            "type": "string",
            "doc": "Kind of aggregate the event belongs to, e.g. \`profile\`; events of one aggregate type share the topic \`meridian.<aggregateType>\`."
          },
          {
            "name": "aggregateId",
            "type": "string",
            "doc": "Id of the aggregate instance; also the Kafka record key, so one aggregate stays in one partition."
          },
          {
            "name": "originRegion",
            "type": "string",
            "doc": "Region whose cluster first accepted the event, e.g. \`us-east\`. Unchanged by mirroring."
          },
          {
            "name": "hlc",
            "type": {
              "type": "record",
              "name": "Hlc",
              "doc": "Hybrid logical clock stamp of the writer; the total order of last-writer-wins merges.",
              "fields": [
                {
                  "name": "wallMs",
                  "type": "long",
                  "doc": "Physical part: writer wall clock in epoch milliseconds, never decreasing."
                },
                {
                  "name": "logical",
                  "type": "int",
                  "doc": "Logical counter that orders stamps sharing one wallMs (0 .. 2^31-1)."
                },
                {
                  "name": "nodeId",
                  "type": "string",
                  "doc": "Writing node; merge's \`origin\`. Printable ASCII without spaces, 1-128 characters."
                }
              ]
            },
            "doc": "HLC stamp of the write; \`hlc.nodeId\` is the merge library's \`origin\`."
          },
          {
            "name": "writerEpoch",
            "type": "long",
            "doc": "Fencing epoch of the writer for this aggregate; a write from a stale epoch is rejected by consumers."
          },
          {
            "name": "causationId",
            "type": [
              "null",
              "string"
            ],
            "default": null,
            "doc": "eventId of the event or command that caused this one, if any."
          },
          {
            "name": "correlationId",
            "type": [
              "null",
              "string"
            ],
            "default": null,
            "doc": "Id shared by every event of one business flow, if any."
          },
          {
            "name": "occurredAt",
            "type": {
              "type": "long",
              "logicalType": "timestamp-millis"
            },
            "doc": "When the writer accepted the change (epoch milliseconds). Informational; ordering uses \`hlc\`."
          },
          {
            "name": "seq",
            "type": "long",
            "doc": "Sequence number of this event per (origin node, aggregate): 1, 2, 3, ... gap-free at the writer. Merge's dedup key is (hlc.nodeId, seq)."
          },
          {
            "name": "observed",
            "type": {
              "type": "array",
              "items": "string"
            },
            "default": [],
            "doc": "Dots (\`<nodeId>:<seq>\`) of the field's earlier writes the writer had seen and this event supersedes (merge's \`observed\`)."
          }
        ]
      },
      "doc": "Event metadata (ids, HLC, causal dots)."
    },
    {
      "name": "sessionId",
      "type": "string",
      "doc": "Id of the session."
    },
    {
      "name": "reason",
      "type": "string",
      "doc": "Why it ended, e.g. \`logout\`, \`timeout\`, \`revoked\`."
    }
  ]
}`,
  'io.meridian.profile.v1.SessionStarted': `{
  "type": "record",
  "name": "SessionStarted",
  "namespace": "io.meridian.profile.v1",
  "doc": "A session started on a device.",
  "fields": [
    {
      "name": "envelope",
      "type": {
        "type": "record",
        "name": "Envelope",
        "namespace": "io.meridian.envelope.v1",
        "doc": "Metadata carried by every Meridian event, nested as the first field \`envelope\` of each event record. Holds what the merge library needs: (hlc.nodeId, seq) is the dedup key and \`observed\` the dots this event supersedes.",
        "fields": [
          {
            "name": "eventId",
            "type": {
              "type": "string",
              "logicalType": "uuid"
            },
            "doc": "Unique id of this event (UUID). Maps to exactly one (hlc.nodeId, seq)."
          },
          {
            "name": "aggregateType",
            "type": "string",
            "doc": "Kind of aggregate the event belongs to, e.g. \`profile\`; events of one aggregate type share the topic \`meridian.<aggregateType>\`."
          },
          {
            "name": "aggregateId",
            "type": "string",
            "doc": "Id of the aggregate instance; also the Kafka record key, so one aggregate stays in one partition."
          },
          {
            "name": "originRegion",
            "type": "string",
            "doc": "Region whose cluster first accepted the event, e.g. \`us-east\`. Unchanged by mirroring."
          },
          {
            "name": "hlc",
            "type": {
              "type": "record",
              "name": "Hlc",
              "doc": "Hybrid logical clock stamp of the writer; the total order of last-writer-wins merges.",
              "fields": [
                {
                  "name": "wallMs",
                  "type": "long",
                  "doc": "Physical part: writer wall clock in epoch milliseconds, never decreasing."
                },
                {
                  "name": "logical",
                  "type": "int",
                  "doc": "Logical counter that orders stamps sharing one wallMs (0 .. 2^31-1)."
                },
                {
                  "name": "nodeId",
                  "type": "string",
                  "doc": "Writing node; merge's \`origin\`. Printable ASCII without spaces, 1-128 characters."
                }
              ]
            },
            "doc": "HLC stamp of the write; \`hlc.nodeId\` is the merge library's \`origin\`."
          },
          {
            "name": "writerEpoch",
            "type": "long",
            "doc": "Fencing epoch of the writer for this aggregate; a write from a stale epoch is rejected by consumers."
          },
          {
            "name": "causationId",
            "type": [
              "null",
              "string"
            ],
            "default": null,
            "doc": "eventId of the event or command that caused this one, if any."
          },
          {
            "name": "correlationId",
            "type": [
              "null",
              "string"
            ],
            "default": null,
            "doc": "Id shared by every event of one business flow, if any."
          },
          {
            "name": "occurredAt",
            "type": {
              "type": "long",
              "logicalType": "timestamp-millis"
            },
            "doc": "When the writer accepted the change (epoch milliseconds). Informational; ordering uses \`hlc\`."
          },
          {
            "name": "seq",
            "type": "long",
            "doc": "Sequence number of this event per (origin node, aggregate): 1, 2, 3, ... gap-free at the writer. Merge's dedup key is (hlc.nodeId, seq)."
          },
          {
            "name": "observed",
            "type": {
              "type": "array",
              "items": "string"
            },
            "default": [],
            "doc": "Dots (\`<nodeId>:<seq>\`) of the field's earlier writes the writer had seen and this event supersedes (merge's \`observed\`)."
          }
        ]
      },
      "doc": "Event metadata (ids, HLC, causal dots)."
    },
    {
      "name": "sessionId",
      "type": "string",
      "doc": "Id of the session."
    },
    {
      "name": "device",
      "type": "string",
      "doc": "Device description, e.g. \`ios/17 app 4.2\`."
    }
  ]
}`,
  'io.meridian.profile.v1.TagAdded': `{
  "type": "record",
  "name": "TagAdded",
  "namespace": "io.meridian.profile.v1",
  "doc": "A tag was added to the profile. Merged as an add-wins OR-set.",
  "fields": [
    {
      "name": "envelope",
      "type": {
        "type": "record",
        "name": "Envelope",
        "namespace": "io.meridian.envelope.v1",
        "doc": "Metadata carried by every Meridian event, nested as the first field \`envelope\` of each event record. Holds what the merge library needs: (hlc.nodeId, seq) is the dedup key and \`observed\` the dots this event supersedes.",
        "fields": [
          {
            "name": "eventId",
            "type": {
              "type": "string",
              "logicalType": "uuid"
            },
            "doc": "Unique id of this event (UUID). Maps to exactly one (hlc.nodeId, seq)."
          },
          {
            "name": "aggregateType",
            "type": "string",
            "doc": "Kind of aggregate the event belongs to, e.g. \`profile\`; events of one aggregate type share the topic \`meridian.<aggregateType>\`."
          },
          {
            "name": "aggregateId",
            "type": "string",
            "doc": "Id of the aggregate instance; also the Kafka record key, so one aggregate stays in one partition."
          },
          {
            "name": "originRegion",
            "type": "string",
            "doc": "Region whose cluster first accepted the event, e.g. \`us-east\`. Unchanged by mirroring."
          },
          {
            "name": "hlc",
            "type": {
              "type": "record",
              "name": "Hlc",
              "doc": "Hybrid logical clock stamp of the writer; the total order of last-writer-wins merges.",
              "fields": [
                {
                  "name": "wallMs",
                  "type": "long",
                  "doc": "Physical part: writer wall clock in epoch milliseconds, never decreasing."
                },
                {
                  "name": "logical",
                  "type": "int",
                  "doc": "Logical counter that orders stamps sharing one wallMs (0 .. 2^31-1)."
                },
                {
                  "name": "nodeId",
                  "type": "string",
                  "doc": "Writing node; merge's \`origin\`. Printable ASCII without spaces, 1-128 characters."
                }
              ]
            },
            "doc": "HLC stamp of the write; \`hlc.nodeId\` is the merge library's \`origin\`."
          },
          {
            "name": "writerEpoch",
            "type": "long",
            "doc": "Fencing epoch of the writer for this aggregate; a write from a stale epoch is rejected by consumers."
          },
          {
            "name": "causationId",
            "type": [
              "null",
              "string"
            ],
            "default": null,
            "doc": "eventId of the event or command that caused this one, if any."
          },
          {
            "name": "correlationId",
            "type": [
              "null",
              "string"
            ],
            "default": null,
            "doc": "Id shared by every event of one business flow, if any."
          },
          {
            "name": "occurredAt",
            "type": {
              "type": "long",
              "logicalType": "timestamp-millis"
            },
            "doc": "When the writer accepted the change (epoch milliseconds). Informational; ordering uses \`hlc\`."
          },
          {
            "name": "seq",
            "type": "long",
            "doc": "Sequence number of this event per (origin node, aggregate): 1, 2, 3, ... gap-free at the writer. Merge's dedup key is (hlc.nodeId, seq)."
          },
          {
            "name": "observed",
            "type": {
              "type": "array",
              "items": "string"
            },
            "default": [],
            "doc": "Dots (\`<nodeId>:<seq>\`) of the field's earlier writes the writer had seen and this event supersedes (merge's \`observed\`)."
          }
        ]
      },
      "doc": "Event metadata (ids, HLC, causal dots)."
    },
    {
      "name": "tag",
      "type": "string",
      "doc": "The tag added."
    }
  ]
}`,
  'io.meridian.profile.v1.TagRemoved': `{
  "type": "record",
  "name": "TagRemoved",
  "namespace": "io.meridian.profile.v1",
  "doc": "A tag was removed (observed-remove; a concurrent add elsewhere wins).",
  "fields": [
    {
      "name": "envelope",
      "type": {
        "type": "record",
        "name": "Envelope",
        "namespace": "io.meridian.envelope.v1",
        "doc": "Metadata carried by every Meridian event, nested as the first field \`envelope\` of each event record. Holds what the merge library needs: (hlc.nodeId, seq) is the dedup key and \`observed\` the dots this event supersedes.",
        "fields": [
          {
            "name": "eventId",
            "type": {
              "type": "string",
              "logicalType": "uuid"
            },
            "doc": "Unique id of this event (UUID). Maps to exactly one (hlc.nodeId, seq)."
          },
          {
            "name": "aggregateType",
            "type": "string",
            "doc": "Kind of aggregate the event belongs to, e.g. \`profile\`; events of one aggregate type share the topic \`meridian.<aggregateType>\`."
          },
          {
            "name": "aggregateId",
            "type": "string",
            "doc": "Id of the aggregate instance; also the Kafka record key, so one aggregate stays in one partition."
          },
          {
            "name": "originRegion",
            "type": "string",
            "doc": "Region whose cluster first accepted the event, e.g. \`us-east\`. Unchanged by mirroring."
          },
          {
            "name": "hlc",
            "type": {
              "type": "record",
              "name": "Hlc",
              "doc": "Hybrid logical clock stamp of the writer; the total order of last-writer-wins merges.",
              "fields": [
                {
                  "name": "wallMs",
                  "type": "long",
                  "doc": "Physical part: writer wall clock in epoch milliseconds, never decreasing."
                },
                {
                  "name": "logical",
                  "type": "int",
                  "doc": "Logical counter that orders stamps sharing one wallMs (0 .. 2^31-1)."
                },
                {
                  "name": "nodeId",
                  "type": "string",
                  "doc": "Writing node; merge's \`origin\`. Printable ASCII without spaces, 1-128 characters."
                }
              ]
            },
            "doc": "HLC stamp of the write; \`hlc.nodeId\` is the merge library's \`origin\`."
          },
          {
            "name": "writerEpoch",
            "type": "long",
            "doc": "Fencing epoch of the writer for this aggregate; a write from a stale epoch is rejected by consumers."
          },
          {
            "name": "causationId",
            "type": [
              "null",
              "string"
            ],
            "default": null,
            "doc": "eventId of the event or command that caused this one, if any."
          },
          {
            "name": "correlationId",
            "type": [
              "null",
              "string"
            ],
            "default": null,
            "doc": "Id shared by every event of one business flow, if any."
          },
          {
            "name": "occurredAt",
            "type": {
              "type": "long",
              "logicalType": "timestamp-millis"
            },
            "doc": "When the writer accepted the change (epoch milliseconds). Informational; ordering uses \`hlc\`."
          },
          {
            "name": "seq",
            "type": "long",
            "doc": "Sequence number of this event per (origin node, aggregate): 1, 2, 3, ... gap-free at the writer. Merge's dedup key is (hlc.nodeId, seq)."
          },
          {
            "name": "observed",
            "type": {
              "type": "array",
              "items": "string"
            },
            "default": [],
            "doc": "Dots (\`<nodeId>:<seq>\`) of the field's earlier writes the writer had seen and this event supersedes (merge's \`observed\`)."
          }
        ]
      },
      "doc": "Event metadata (ids, HLC, causal dots)."
    },
    {
      "name": "tag",
      "type": "string",
      "doc": "The tag removed."
    }
  ]
}`,
};
