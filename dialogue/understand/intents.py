"""The intents kefu recognises: customer-service requests, shopping talk, and the rest."""

from __future__ import annotations

# The 27 customer-service intents shared with common support datasets, so that an
# evaluation set written for those labels can be scored without a mapping.
SERVICE_INTENTS: tuple[str, ...] = (
    "cancel_order",
    "change_order",
    "change_shipping_address",
    "check_cancellation_fee",
    "check_invoice",
    "check_payment_methods",
    "check_refund_policy",
    "complaint",
    "contact_customer_service",
    "contact_human_agent",
    "create_account",
    "delete_account",
    "delivery_options",
    "delivery_period",
    "edit_account",
    "get_invoice",
    "get_refund",
    "newsletter_subscription",
    "payment_issue",
    "place_order",
    "recover_password",
    "registration_problems",
    "review",
    "set_up_shipping_address",
    "switch_account",
    "track_order",
    "track_refund",
)

# Shopping talk that the retriever and the recommender answer.
SHOPPING_INTENTS: tuple[str, ...] = ("product_question", "recommendation", "compare")

OTHER = "other"
GREETING = "greeting"

INTENTS: tuple[str, ...] = (*SERVICE_INTENTS, *SHOPPING_INTENTS, GREETING, OTHER)

# Intents whose answer needs an order looked up for a verified customer.
ORDER_INTENTS: frozenset[str] = frozenset(
    {
        "cancel_order",
        "change_order",
        "track_order",
        "delivery_period",
        "get_refund",
        "track_refund",
        "change_shipping_address",
        "check_invoice",
        "get_invoice",
    }
)

# Intents that go to a person without the bot trying to answer first.
HANDOFF_INTENTS: frozenset[str] = frozenset({"contact_human_agent", "complaint"})
