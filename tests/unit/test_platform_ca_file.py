"""Where the bdp commands find the platform CA certificate that verifies the services."""

from pathlib import Path

import pytest

from bdp.errors import BdpError
from bdp.inventory import platform_ca_file
from bdp_testkit.helpers import REPO


def test_the_deploys_copy_for_the_inventory(monkeypatch, tmp_path):
    monkeypatch.delenv("BDP_CA_FILE", raising=False)
    copy = REPO / "build" / "pki" / "production" / "platform-ca.crt"
    if copy.exists():
        assert platform_ca_file(REPO / "inventories" / "production") == copy
    else:
        with pytest.raises(BdpError, match=f"no platform CA certificate at {copy}: deploy"):
            platform_ca_file(REPO / "inventories" / "production")


def test_bdp_ca_file_overrides_it_and_must_exist(monkeypatch, tmp_path):
    given = tmp_path / "ca.pem"
    monkeypatch.setenv("BDP_CA_FILE", str(given))
    with pytest.raises(BdpError, match="set BDP_CA_FILE"):
        platform_ca_file(Path("inventories/lab"))
    given.write_text("-----BEGIN CERTIFICATE-----\n")
    assert platform_ca_file(Path("inventories/lab")) == given
