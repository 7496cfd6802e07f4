from __future__ import annotations

import types

import pytest

import calmdesk.actions
import calmdesk.demo
import calmdesk.jobs
import calmdesk.storage


@pytest.mark.parametrize(
    "package", [calmdesk.storage, calmdesk.actions, calmdesk.jobs, calmdesk.demo]
)
def test_package_public_api_is_complete(package: types.ModuleType) -> None:
    public = {
        name
        for name, value in vars(package).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public - {"annotations"} == set(package.__all__)
    assert all(hasattr(package, name) for name in package.__all__)
