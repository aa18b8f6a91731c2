import { generatedReaders, type ProfileEvent } from '@meridian/contract';
import { applyOps, documentEmpty, type Document, type Operation } from '@meridian/merge';
import { defineAggregate, ModelDefinitionError, rules, StepInputError } from './define';
import { profileEventToOperation, profileModel, profileSteps } from './profile';

const NS = 'io.meridian.profile.v1';

/** The profile aggregate, declared: it must derive exactly what the hand-written mapping does. */
const declaredProfile = profileModel;

let seq = 0;
function event(body: Record<string, unknown>): ProfileEvent {
  seq += 1;
  return {
    ...body,
    envelope: {
      eventId: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
      aggregateType: 'profile',
      aggregateId: 'p-1',
      originRegion: 'us-east',
      hlc: { wallMs: 1_700_000_000_000 + seq, logical: 0, nodeId: 'us-east-1' },
      writerEpoch: 1,
      causationId: null,
      correlationId: null,
      occurredAt: 1_700_000_000_000 + seq,
      seq,
      observed: seq > 1 ? [`us-east-1:${seq - 1}`] : [],
    },
  } as unknown as ProfileEvent;
}

const samples: ProfileEvent[] = [
  event({ type: `${NS}.ProfileFieldChanged`, field: 'email', value: 'a@example.com' }),
  event({ type: `${NS}.PreferenceSet`, key: 'theme', value: 'dark' }),
  event({ type: `${NS}.PreferenceRemoved`, key: 'theme' }),
  event({ type: `${NS}.TagAdded`, tag: 'vip' }),
  event({ type: `${NS}.TagRemoved`, tag: 'vip' }),
  event({ type: `${NS}.FavouriteAdded`, itemId: 'i-9' }),
  event({ type: `${NS}.FavouriteRemoved`, itemId: 'i-9' }),
  event({ type: `${NS}.CreditAdjusted`, amountCents: -250, totalsP: 1000, totalsN: 250 }),
  event({ type: `${NS}.LoginRecorded`, totalsP: 3 }),
  event({ type: `${NS}.SessionStarted`, sessionId: 's-1', device: 'phone' }),
  event({ type: `${NS}.SessionEnded`, sessionId: 's-1', reason: 'logout' }),
];

describe('defineAggregate', () => {
  it('derives from the declared profile exactly the operations of the hand-written mapping', () => {
    expect(declaredProfile.eventNames).toHaveLength(11);
    for (const e of samples) expect(declaredProfile.toOperation(e)).toEqual(profileEventToOperation(e));
  });

  it('derives write steps whose mutations and payloads equal the hand-written steps', () => {
    let view: Document = documentEmpty();
    const pairs = [
      [
        profileSteps.setField('email', 'b@example.com'),
        declaredProfile.steps.ProfileFieldChanged!({ field: 'email', value: 'b@example.com' }),
      ],
      [profileSteps.addTag('vip'), declaredProfile.steps.TagAdded!({ tag: 'vip' })],
      [profileSteps.adjustCredit(-40), declaredProfile.steps.CreditAdjusted!({ amountCents: -40 })],
      [profileSteps.recordLogin(), declaredProfile.steps.LoginRecorded!({})],
      [
        profileSteps.startSession('s-2', 'laptop'),
        declaredProfile.steps.SessionStarted!({ sessionId: 's-2', device: 'laptop' }),
      ],
    ] as const;
    let n = 0;
    for (const [hand, derived] of pairs) {
      const m1 = hand.mutation(view, 'us-west-1');
      const m2 = derived.mutation(view, 'us-west-1');
      expect(m2).toEqual(m1);
      n += 1;
      const op = {
        ...m1,
        eventId: `e-${n}`,
        origin: 'us-west-1',
        seq: n,
        hlc: { wallMs: n, logical: 0, nodeId: 'us-west-1' },
      } as Operation;
      expect(derived.payload(op)).toEqual(hand.payload(op));
      expect(derived.reads).toBe(hand.reads);
      view = applyOps(view, [op]);
    }
  });

  it('reads the state in the declared shape, keyed parts as objects', () => {
    const stock = defineAggregate({
      aggregateType: 'stock',
      namespace: 'io.meridian.stock.v1',
      schemas: [
        {
          fullName: 'io.meridian.stock.v1.Received',
          text: JSON.stringify({
            type: 'record',
            name: 'Received',
            namespace: 'io.meridian.stock.v1',
            fields: [
              { name: 'envelope' },
              { name: 'warehouse' },
              { name: 'qty' },
              { name: 'totalsP' },
              { name: 'totalsN' },
            ],
          }),
        },
      ],
      state: { onHand: rules.keyed(rules.pnCounter()) },
      events: { Received: { op: 'count', state: 'onHand', member: 'warehouse', by: 'qty' } },
    });
    let view = documentEmpty();
    let s = 0;
    for (const [w, q] of [
      ['ams', 5],
      ['fra', 2],
      ['ams', -1],
    ] as const) {
      const step = stock.steps.Received!({ warehouse: w, qty: q });
      s += 1;
      const m = step.mutation(view, 'eu-1');
      view = applyOps(view, [
        {
          ...m,
          eventId: `e${s}`,
          origin: 'eu-1',
          seq: s,
          hlc: { wallMs: s, logical: 0, nodeId: 'eu-1' },
        } as Operation,
      ]);
    }
    expect(stock.read(view)).toEqual({ onHand: { ams: 4, fra: 2 } });
    expect(() => stock.steps.Received!({ qty: 1 })).toThrow(
      new StepInputError('Received', 'warehouse', 'is required'),
    );
    expect(() => stock.steps.Received!({ warehouse: 'x', qty: 1, totalsP: 9 })).toThrow(
      /Received\.totalsP: is set by Meridian/,
    );
  });

  it('refuses a definition that contradicts its schemas, naming the event and field', () => {
    const base = {
      aggregateType: 'profile',
      namespace: NS,
      schemas: generatedReaders(),
      state: declaredProfile.definition.state,
    };
    const events = declaredProfile.definition.events;
    expect(() =>
      defineAggregate({
        ...base,
        events: { ...events, TagAdded: { op: 'add', state: 'tags', value: 'label' } },
      }),
    ).toThrow(new ModelDefinitionError('event TagAdded: value "label" is not a field of its schema'));
    expect(() =>
      defineAggregate({
        ...base,
        events: { ...events, TagAdded: { op: 'put', state: 'tags', key: 'tag', value: 'tag' } },
      }),
    ).toThrow(/event TagAdded: "put" does not apply to tags \(a orSet; it takes add\/remove\)/);
    const { SessionEnded: _dropped, ...missing } = events;
    expect(() => defineAggregate({ ...base, events: missing })).toThrow(
      new ModelDefinitionError(`event ${NS}.SessionEnded has no declared effect`),
    );
    expect(() =>
      defineAggregate({
        ...base,
        events: { ...events, LoginRecorded: { op: 'count', state: 'credit', by: 1 } },
      }),
    ).toThrow(/LoginRecorded: the running total "totalsN" is not a field/);
    expect(() => defineAggregate({ ...base, namespace: 'com.acme.profile.v1', events })).toThrow(
      /must be io\.meridian\.profile\.v<N>/,
    );
  });
});
