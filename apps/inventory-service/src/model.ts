import { join } from 'node:path';
import { loadModelSchemas } from '@meridian/contract';
import { defineAggregate, rules } from '@meridian/domain';

export const INVENTORY = 'inventory';
export const INVENTORY_NAMESPACE = 'io.meridian.inventory.v1';

/**
 * The inventory aggregate (one per SKU), declared once: the service writes with its steps, every
 * projector folds it, and nothing in Meridian names it. Loaded by configuration
 * (`MODELS=profile,<this module>`). Its schemas are the `.avsc` files beside the service.
 *
 * | part           | rule                              | why                                           |
 * | -------------- | --------------------------------- | --------------------------------------------- |
 * | title          | LWW register                      | one current title; concurrent ones recorded   |
 * | stock/<wh>     | PN-counter per warehouse (keyed)  | receipts and shipments from every region add  |
 * | reservations   | LWW map, observed-remove keys     | a release never cancels a hold it did not see |
 * | channels       | OR-set, add-wins                  | same                                          |
 *
 * Stock is a PN-counter, not a bounded counter: the sum is exact in every region, but two regions
 * shipping the last unit at once can take it below zero (each decided on its own view). A bounded
 * counter (escrow of decrement rights per region) prevents that at the price of coordinating
 * rights transfers; the service refuses a shipment its own view cannot cover and `available`
 * surfaces an oversell instead of hiding it. The invariants the harness checks are in
 * `model.unit.spec.ts`.
 */
export const inventoryModel = defineAggregate({
  aggregateType: INVENTORY,
  namespace: INVENTORY_NAMESPACE,
  // From the source tree (ts-jest) and from dist/ (the build copies the schemas beside it).
  schemas: loadModelSchemas(join(__dirname, '..', 'schemas')),
  state: {
    title: rules.lww(),
    stock: rules.keyed(rules.pnCounter()),
    reservations: rules.lwwMap(),
    channels: rules.orSet(),
  },
  events: {
    ItemDescribed: { op: 'set', state: 'title', value: 'title' },
    StockAdjusted: { op: 'count', state: 'stock', member: 'warehouse', by: 'delta' },
    ItemReserved: {
      op: 'put',
      state: 'reservations',
      key: 'reservationId',
      value: { warehouse: 'warehouse', quantity: 'quantity', orderId: 'orderId' },
    },
    ReservationReleased: { op: 'delete', state: 'reservations', key: 'reservationId' },
    ChannelEnabled: { op: 'add', state: 'channels', value: 'channel' },
    ChannelDisabled: { op: 'remove', state: 'channels', value: 'channel' },
  },
});

/** The module's export for `loadModels` (projectors, replay, the monitor). */
export const model = inventoryModel;

export interface InventoryView {
  title?: string;
  /** Units per warehouse. */
  stock: Record<string, number>;
  reservations: Record<string, { warehouse: string; quantity: number; orderId: string }>;
  channels: string[];
  /** Per warehouse: stock minus held units (negative: oversold across regions). */
  available: Record<string, number>;
}

/** The read shape of a SKU, with what a caller wants most: what can still be sold per warehouse. */
export function inventoryView(state: Record<string, unknown>): InventoryView {
  const stock = (state.stock ?? {}) as Record<string, number>;
  const reservations = (state.reservations ?? {}) as InventoryView['reservations'];
  const available: Record<string, number> = { ...stock };
  for (const r of Object.values(reservations))
    available[r.warehouse] = (available[r.warehouse] ?? 0) - r.quantity;
  return {
    ...(typeof state.title === 'string' ? { title: state.title } : {}),
    stock,
    reservations,
    channels: (state.channels ?? []) as string[],
    available,
  };
}
