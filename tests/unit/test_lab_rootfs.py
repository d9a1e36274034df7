import pytest

from bdp.errors import BdpError
from bdp.lab import rootfs
from bdp.lab.control import replace_block
from bdp.lab.services import render_apt_proxy_conf
from bdp.lab.topology import LabHost, load_lab
from bdp_testkit.helpers import REPO

LAB = load_lab(REPO / "inventories" / "lab")

DEB822 = """Types: deb
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main

Types: deb
URIs: http://mirror.example/debian-security
Suites: bookworm-security
Components: main
"""


def test_mirror_from_deb822_sources():
    assert rootfs.debian_mirror_from_sources([DEB822], "bookworm") == "http://mirror.example/debian"


def test_mirror_from_one_line_sources_with_options():
    one_line = (
        "# comment\ndeb [arch=amd64 signed-by=/k.gpg] http://m.example/debian/ bookworm main\n"
    )
    assert rootfs.debian_mirror_from_sources([one_line], "bookworm") == "http://m.example/debian"


def test_missing_suite_is_an_error_naming_the_suite():
    with pytest.raises(BdpError, match="no Debian 'trixie' source"):
        rootfs.debian_mirror_from_sources([DEB822], "trixie")


def test_network_file_sets_a_static_address():
    host = LabHost("de-os-data1", "10.87.0.33")
    text = rootfs.render_network_file(host, LAB.settings)
    assert "Name=host0" in text
    assert "Address=10.87.0.33/24" in text
    assert "DHCP" not in text


def test_etc_hosts_names_every_host_in_the_common_roles_block():
    text = rootfs.render_etc_hosts(LAB)
    lines = text.splitlines()
    begin, end = lines.index("# BEGIN bdp cluster hosts"), lines.index("# END bdp cluster hosts")
    assert lines[begin + 1 : end] == [f"{h.address}\t{h.name}" for h in LAB.hosts]
    assert len(lines[begin + 1 : end]) == 13


def test_apt_conf_points_at_the_proxy_on_the_bridge():
    assert 'Acquire::http::Proxy "http://10.87.0.1:3142";' in rootfs.render_apt_conf(LAB.settings)
    conf = render_apt_proxy_conf(LAB.settings)
    assert "BindAddress: 10.87.0.1" in conf
    assert "Port: 3142" in conf


def test_known_hosts_pins_name_and_address():
    host = LabHost("airflow-db-01", "10.87.0.42")
    assert rootfs.render_known_hosts([(host, "ssh-ed25519 AAAA")]) == (
        "airflow-db-01,10.87.0.42 ssh-ed25519 AAAA\n"
    )


def test_control_hosts_block_is_replaced_and_removed():
    original = "127.0.0.1 localhost\n"
    with_block = replace_block(original, "10.87.0.10\tspark-master-01")
    assert with_block.count("spark-master-01") == 1
    again = replace_block(with_block, "10.87.0.11\tspark-worker-01")
    assert "spark-master-01" not in again
    assert "spark-worker-01" in again
    assert replace_block(again, "") == original
