import type { PlaceOrder } from "@airlock/core";
import type { ExchangeSymbolLimits } from "../config/config-types.js";
import { denyExchange, type ExchangeDenial } from "./exchange-decision.js";
import { compareDecimal, decimalOf, formatDecimal, multiplyDecimal } from "./exact-decimal.js";

/**
 * The size rules on one order, in exact decimal arithmetic (never floats): `exchange.quantity_exceeded`
 * when quantity > maxQuantity, then the notional cap. Notional is price × quantity for a limit
 * order and referencePrice × quantity for a market order; a market order without referencePrice
 * is refused (`exchange.reference_price_required`) where a maxNotional applies, since nothing
 * would bound what it costs. Equal to a cap is allowed.
 */
export function checkOrderSize(order: PlaceOrder, limits: ExchangeSymbolLimits): ExchangeDenial | undefined {
  const quantity = decimalOf(order.quantity);
  if (limits.maxQuantity !== undefined && compareDecimal(quantity, limits.maxQuantity) > 0) {
    return denyExchange(
      "exchange.quantity_exceeded",
      `quantity ${order.quantity} exceeds the maximum ${formatDecimal(limits.maxQuantity)} for ${order.symbol}`,
    );
  }
  if (limits.maxNotional === undefined) return undefined;
  const priceText = order.orderType === "limit" ? order.price : order.referencePrice;
  if (priceText === undefined) {
    return denyExchange(
      "exchange.reference_price_required",
      `a market order on ${order.symbol} needs a referencePrice: its notional is capped at ${formatDecimal(limits.maxNotional)}`,
    );
  }
  const notional = multiplyDecimal(decimalOf(priceText), quantity);
  if (compareDecimal(notional, limits.maxNotional) > 0) {
    return denyExchange(
      "exchange.notional_exceeded",
      `notional ${formatDecimal(notional)} exceeds the maximum ${formatDecimal(limits.maxNotional)} for ${order.symbol}`,
    );
  }
  return undefined;
}
