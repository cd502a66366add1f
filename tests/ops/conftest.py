"""The web app fixtures (scripted manager, in-memory store) for the operations tests."""

from tests.web.conftest import (  # noqa: F401  (fixtures)
    client,
    make_client,
    make_settings,
    manager,
    products,
    store,
)
