import fc from 'fast-check';
import { checkConvergence, type AcceptedWrite, type HarnessWrite } from '@meridian/harness';
import { compareHlc, dotKey } from '@meridian/merge';
import { inventoryModel, inventoryView } from './model';

const warehouse = fc.constantFrom('fra-1', 'iad-1');
const reservationId = fc.constantFrom('res-1', 'res-2');
const channel = fc.constantFrom('web', 'marketplace');

/** Small domains on purpose: ties and collisions are where merge rules go wrong. */
const writes: fc.Arbitrary<HarnessWrite> = fc.oneof(
  fc.record({
    event: fc.constant('ItemDescribed'),
    input: fc.record({ title: fc.constantFrom('Kettle', 'Kettle 2L', 'Tea kettle') }),
  }),
  fc.record({
    event: fc.constant('StockAdjusted'),
    input: fc.record({
      warehouse,
      delta: fc.integer({ min: -4, max: 6 }),
      reason: fc.constantFrom('received', 'shipped', 'count'),
    }),
  }),
  fc.record({
    event: fc.constant('ItemReserved'),
    input: fc.record({
      reservationId,
      warehouse,
      quantity: fc.integer({ min: 1, max: 3 }),
      orderId: fc.constantFrom('o-1', 'o-2'),
    }),
  }),
  fc.record({
    event: fc.constant('ReservationReleased'),
    input: fc.record({ reservationId, reason: fc.constantFrom('shipped', 'cancelled') }),
  }),
  fc.record({ event: fc.constant('ChannelEnabled'), input: fc.record({ channel }) }),
  fc.record({ event: fc.constant('ChannelDisabled'), input: fc.record({ channel }) }),
);

const dot = (w: AcceptedWrite) => dotKey(w.op.origin, w.op.seq);

/** The writes of `adds` whose dot no write of `removes` (or a later add) observed. */
function surviving(adds: AcceptedWrite[], removes: AcceptedWrite[]): AcceptedWrite[] {
  const seen = new Set([...adds, ...removes].flatMap((w) => w.op.observed));
  return adds.filter((w) => !seen.has(dot(w)));
}

describe('inventory model', () => {
  it('converges, is idempotent and keeps its invariants under concurrent writes from three regions', () => {
    checkConvergence({
      model: inventoryModel,
      writes,
      invariants: {
        'stock per warehouse equals the sum of every accepted adjustment': (view, ws) => {
          const sums: Record<string, number> = {};
          for (const w of ws.filter((x) => x.event === 'StockAdjusted'))
            sums[w.input.warehouse as string] =
              (sums[w.input.warehouse as string] ?? 0) + (w.input.delta as number);
          const stock = (view.stock ?? {}) as Record<string, number>;
          for (const wh of new Set([...Object.keys(sums), ...Object.keys(stock)]))
            if ((stock[wh] ?? 0) !== (sums[wh] ?? 0))
              return `${wh}: stock ${stock[wh]} but adjustments sum to ${sums[wh]}`;
          return true;
        },
        'a hold stays until a release that saw it (add-wins); its value is the newest surviving hold': (
          view,
          ws,
        ) => {
          const held = (view.reservations ?? {}) as Record<string, { quantity: number }>;
          for (const id of ['res-1', 'res-2']) {
            const of = (e: string) => ws.filter((w) => w.event === e && w.input.reservationId === id);
            const alive = surviving(of('ItemReserved'), of('ReservationReleased'));
            if (alive.length === 0 && held[id]) return `${id} is held but every hold was released`;
            if (alive.length > 0 && !held[id]) return `${id} was released by a writer that never saw it`;
            if (alive.length > 0) {
              const newest = alive.reduce((a, b) => (compareHlc(a.op.hlc, b.op.hlc) >= 0 ? a : b));
              if (held[id]?.quantity !== newest.input.quantity)
                return `${id}: quantity ${held[id]?.quantity}, newest surviving hold says ${newest.input.quantity}`;
            }
          }
          return true;
        },
        'a channel is on iff an enable survives every disable (add-wins)': (view, ws) => {
          const on = new Set((view.channels ?? []) as string[]);
          for (const c of ['web', 'marketplace']) {
            const of = (e: string) => ws.filter((w) => w.event === e && w.input.channel === c);
            if (surviving(of('ChannelEnabled'), of('ChannelDisabled')).length > 0 !== on.has(c))
              return `${c} is ${on.has(c) ? 'on' : 'off'} against the history`;
          }
          return true;
        },
        'the title is the one written with the greatest HLC': (view, ws) => {
          const titles = ws.filter((w) => w.event === 'ItemDescribed');
          if (titles.length === 0) return view.title === undefined || 'a title nobody wrote';
          const last = titles.reduce((a, b) => (compareHlc(a.op.hlc, b.op.hlc) >= 0 ? a : b));
          return view.title === last.input.title || `title ${view.title}, newest write ${last.input.title}`;
        },
      },
    });
  });

  it('reads as stock, holds, channels and what is left to sell per warehouse', () => {
    const view = inventoryView({
      title: 'Kettle',
      stock: { 'fra-1': 5, 'iad-1': 1 },
      reservations: { 'res-1': { warehouse: 'iad-1', quantity: 2, orderId: 'o-1' } },
      channels: ['web'],
    });
    expect(view.available).toEqual({ 'fra-1': 5, 'iad-1': -1 });
    expect(inventoryModel.eventNames).toEqual([
      'io.meridian.inventory.v1.ChannelDisabled',
      'io.meridian.inventory.v1.ChannelEnabled',
      'io.meridian.inventory.v1.ItemDescribed',
      'io.meridian.inventory.v1.ItemReserved',
      'io.meridian.inventory.v1.ReservationReleased',
      'io.meridian.inventory.v1.StockAdjusted',
    ]);
  });
});
