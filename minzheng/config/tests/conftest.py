"""The API fuzz test's items get their operation in their node id (``test_…[GET /api/v1/households]``).

pytest 9.2 builds an item's id from its parent and drops the ``[…]`` Schemathesis puts in the item's name,
so all 57 operations had one id — and pytest-xdist, which hands tests to its workers by id, ran the first
operation 57 times. The id is set from the operation here."""

from __future__ import annotations

from typing import Any


def pytest_collection_modifyitems(items: list[Any]) -> None:
    for item in items:
        label = getattr(item, "operation_label", None)
        node_id = getattr(item, "id", None)  # the structured id of pytest ≥ 9.2; older ones keep the name
        if label and node_id is not None and node_id.params is None:
            item._id = item.parent.id.child(item.originalname.partition("[")[0]).with_params(label)
