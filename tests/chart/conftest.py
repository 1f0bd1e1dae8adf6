"""Chart tests need the real helm binary (scripts/helm-install.sh installs it)."""

import pytest

from .chartlib import HELM


@pytest.fixture(autouse=True)
def _require_helm():
    # A missing helm is a broken setup, not a reason to pass quietly: fail and say how
    # to get it.
    if HELM is None:
        pytest.fail("helm not found: run scripts/helm-install.sh (or set HELM_BIN)")
