import zipfile

import pytest

from bdp.mirror import maven
from bdp.mirror.assemble import opensearch
from bdp.mirror.assemble.common import Workspace
from bdp.mirror.components import plan
from bdp.mirror.errors import MirrorError

VERSIONS = {
    "opensearch": "2.19.4",
    "opensearch_security": "2.19.4.0",
    "opensearch_job_scheduler": "2.19.4.0",
}
TOP = "opensearch-2.19.4"


def descriptor(name, built_for="2.19.4", extends=""):
    return (
        f"# OpenSearch plugin descriptor file\nname={name}\nversion=2.19.4.0\n"
        f"opensearch.version={built_for}\nextended.plugins={extends}\ncustom.foldername=\n"
    )


def write_zip(path, entries):
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return path


@pytest.fixture
def component():
    (found,) = plan(VERSIONS, "versions.yml", ["opensearch"])
    return found


@pytest.fixture
def workspace(tmp_path, component):
    ws = Workspace(tmp_path / "stage", tmp_path / "work", tmp_path / "downloads", lambda _: None)
    ws.root(component).mkdir(parents=True)
    return ws


@pytest.fixture
def registry(tmp_path, monkeypatch):
    """Zips by artifact name; maven.fetch hands them out."""
    zips = {
        "opensearch": {
            f"{TOP}/lib/opensearch-2.19.4.jar": "jar",
            f"{TOP}/modules/transport-netty4/plugin-descriptor.properties": "name=x",
            f"{TOP}/bin/opensearch": "#!/bin/sh",
        },
        "opensearch-security": {
            "plugin-descriptor.properties": descriptor("opensearch-security"),
            "opensearch-security-2.19.4.0.jar": "jar",
            "config/roles.yml": "roles",
            "tools/securityadmin.sh": "#!/bin/sh",
        },
        "opensearch-job-scheduler": {
            "plugin-descriptor.properties": descriptor("opensearch-job-scheduler"),
            "opensearch-job-scheduler-2.19.4.0.jar": "jar",
        },
    }

    def fetch(component_name, coordinate, directory):
        path = tmp_path / coordinate.file_name
        if not path.exists():
            write_zip(path, zips[coordinate.artifact])
        return path

    monkeypatch.setattr(maven, "fetch", fetch)
    return zips


def staged(ws):
    return sorted(
        p.relative_to(ws.stage / TOP).as_posix() for p in ws.stage.rglob("*") if p.is_file()
    )


def test_plugins_go_where_the_installer_puts_them(component, workspace, registry):
    assembly = opensearch.assemble(component, workspace)
    assert staged(workspace) == [
        "bin/opensearch",
        "config/opensearch-security/roles.yml",
        "lib/opensearch-2.19.4.jar",
        "modules/transport-netty4/plugin-descriptor.properties",
        "plugins/opensearch-job-scheduler/opensearch-job-scheduler-2.19.4.0.jar",
        "plugins/opensearch-job-scheduler/plugin-descriptor.properties",
        "plugins/opensearch-security/opensearch-security-2.19.4.0.jar",
        "plugins/opensearch-security/plugin-descriptor.properties",
        "plugins/opensearch-security/tools/securityadmin.sh",
    ]
    assert assembly.artifacts == [str(c) for c in component.fetch]
    assert assembly.sources == component.sources


def test_a_plugin_for_another_opensearch_fails_the_build(component, workspace, registry):
    registry["opensearch-job-scheduler"]["plugin-descriptor.properties"] = descriptor(
        "opensearch-job-scheduler", built_for="2.19.1"
    )
    with pytest.raises(MirrorError, match=r"built for OpenSearch 2\.19\.1, not 2\.19\.4"):
        opensearch.assemble(component, workspace)


def test_an_extended_plugin_must_be_installed_first(component, workspace, registry):
    registry["opensearch-job-scheduler"]["plugin-descriptor.properties"] = descriptor(
        "opensearch-job-scheduler", extends="opensearch-notifications-core"
    )
    with pytest.raises(MirrorError, match="extends opensearch-notifications-core, which is not"):
        opensearch.assemble(component, workspace)


def test_a_plugin_zip_without_a_top_level_descriptor_is_refused(component, workspace, registry):
    registry["opensearch-job-scheduler"] = {
        "opensearch/plugin-descriptor.properties": descriptor("opensearch-job-scheduler")
    }
    with pytest.raises(MirrorError, match=r"has no top-level plugin-descriptor\.properties"):
        opensearch.assemble(component, workspace)
