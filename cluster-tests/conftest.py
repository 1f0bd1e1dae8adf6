"""Makes each test's outcome visible to its fixtures (`request.node.failed`), so a
cluster fixture can print the nodes' logs when the test body failed."""
import pytest


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and report.failed:
        item.failed = True
    return report
