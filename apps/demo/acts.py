"""Each act of a demo scenario (apps/demo/lifecycle.py) and the code that plays it."""

from collections.abc import Callable

from apps.demo import paying, shipping
from apps.demo.lifecycle import Act
from apps.demo.sale import Sale, cancel, confirm

ACTS: dict[Act, Callable[[Sale, float], None]] = {
    Act.AUTHORISE: paying.authorise,
    Act.CAPTURE: paying.capture,
    Act.DEPOSIT: paying.deposit,
    Act.BANK_TRANSFER: paying.bank_transfer,
    Act.VOID: paying.void,
    Act.CONFIRM: confirm,
    Act.CANCEL: cancel,
    Act.SHIP_PART: shipping.ship_part,
    Act.SHIP_REST: shipping.ship_rest,
    Act.CANCEL_SHIPMENT: shipping.cancel_shipment,
    Act.DELIVER_FIRST: shipping.deliver_first,
    Act.DELIVER_ALL: shipping.deliver_all,
    Act.RETURN_PART: shipping.return_part,
    Act.RETURN_ALL: shipping.return_all,
    Act.RECEIVE: shipping.receive,
    Act.REFUND_RETURN: paying.refund_return,
    Act.CLOSE: shipping.close,
    Act.DECLINE: shipping.decline,
    Act.REFUND_ALL: paying.refund_all,
    Act.GOODWILL: paying.goodwill,
}


def play(sale: Sale, act: Act, ts: float) -> None:
    ACTS[act](sale, ts)
