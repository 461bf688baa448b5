import type { PurchaseOrderState } from "../domain/purchaseOrder.ts";
import type { EventStore } from "../eventstore/port.ts";
import { purchaseOrders } from "./aggregates.ts";
import type { Loaded } from "./commandHandler.ts";

const KEPT_PURCHASE_ORDERS = 1_000;

/**
 * The publisher's purchase orders, each read once and then only for what was appended since: a
 * 500-draft PO's stream (its line items, its drafts, a settlement per draft) is not decoded again for
 * every draft it settles. Every load reads the log's tail, so what it returns is current, never stale.
 */
export class PurchaseOrderStates {
  private readonly known = new Map<string, Loaded<PurchaseOrderState>>();

  constructor(private readonly store: EventStore) {}

  async load(purchaseOrderId: string): Promise<Loaded<PurchaseOrderState>> {
    const known = this.known.get(purchaseOrderId);
    const loaded = known
      ? await purchaseOrders.catchUp(this.store, purchaseOrderId, known)
      : await purchaseOrders.load(this.store, purchaseOrderId);
    this.known.delete(purchaseOrderId);
    this.known.set(purchaseOrderId, loaded);
    if (this.known.size > KEPT_PURCHASE_ORDERS) this.known.delete(this.known.keys().next().value!);
    return loaded;
  }
}
