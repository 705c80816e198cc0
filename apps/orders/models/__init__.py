from apps.orders.models.after_sale import (
    OrderReturn,
    Payment,
    PaymentKind,
    RefundLine,
    ReturnDecision,
    ReturnLine,
    ReturnReason,
    ReturnStatus,
    Shipment,
    ShipmentLine,
    ShipmentStatus,
)
from apps.orders.models.order import (
    ORDER_SALE_FIELDS,
    Order,
    OrderEvent,
    OrderEventType,
    OrderLine,
)

__all__ = [
    "ORDER_SALE_FIELDS",
    "Order",
    "OrderEvent",
    "OrderEventType",
    "OrderLine",
    "OrderReturn",
    "Payment",
    "PaymentKind",
    "RefundLine",
    "ReturnDecision",
    "ReturnLine",
    "ReturnReason",
    "ReturnStatus",
    "Shipment",
    "ShipmentLine",
    "ShipmentStatus",
]
