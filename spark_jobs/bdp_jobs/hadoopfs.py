"""Files through Hadoop's FileSystem API (py4j), so hdfs:// and file:// paths work alike.

Paths are strings; listings return fully qualified paths. Only the driver uses this.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pyspark.sql import SparkSession


class HadoopFSError(RuntimeError):
    """A file operation the file system refused; the message names the paths."""


@dataclass(frozen=True)
class Entry:
    path: str
    name: str
    is_dir: bool
    size: int


class HadoopFS:
    """The file system of `root` (its scheme and authority), in `spark`'s Hadoop config."""

    def __init__(self, spark: SparkSession, root: str) -> None:
        jvm = spark.sparkContext._jvm
        assert jvm is not None
        self._jvm = jvm
        self._gateway = spark.sparkContext._gateway
        self._conf = spark.sparkContext._jsc.hadoopConfiguration()  # type: ignore[union-attr]
        self._fs = jvm.org.apache.hadoop.fs.Path(root).getFileSystem(self._conf)
        self._context = jvm.org.apache.hadoop.fs.FileContext.getFileContext(
            self._fs.getUri(), self._conf
        )

    def _path(self, path: str) -> Any:
        return self._fs.makeQualified(self._jvm.org.apache.hadoop.fs.Path(path))

    def qualify(self, path: str) -> str:
        return str(self._path(path).toString())

    def exists(self, path: str) -> bool:
        return bool(self._fs.exists(self._path(path)))

    def list(self, directory: str) -> list[Entry]:
        """The children of `directory`, sorted by name; none if it does not exist."""
        if not self.exists(directory):
            return []
        return sorted(
            (self._entry(status) for status in self._fs.listStatus(self._path(directory))),
            key=lambda entry: entry.name,
        )

    def glob(self, pattern: str) -> list[Entry]:
        statuses = self._fs.globStatus(self._path(pattern))
        return sorted((self._entry(s) for s in statuses or []), key=lambda e: e.path)

    @staticmethod
    def _entry(status: Any) -> Entry:
        path = status.getPath()
        return Entry(
            str(path.toString()), str(path.getName()), status.isDirectory(), status.getLen()
        )

    def mkdirs(self, directory: str) -> None:
        if not self._fs.mkdirs(self._path(directory)):
            raise HadoopFSError(f"cannot create directory {directory}")

    def rename(self, source: str, target: str) -> None:
        """Move `source` to `target`, which must not exist; the parent is created."""
        self.mkdirs(self.parent(target))
        if not self._fs.rename(self._path(source), self._path(target)):
            raise HadoopFSError(f"cannot rename {source} to {target}")

    def replace(self, source: str, target: str) -> None:
        """Move `source` over `target` in one step (readers see the old or the new file)."""
        rename = self._jvm.org.apache.hadoop.fs.Options.Rename
        options = self._gateway.new_array(rename, 1)
        options[0] = rename.OVERWRITE
        self._context.rename(self._path(source), self._path(target), options)

    def copy(self, source: str, target: str) -> None:
        """Copy the file `source` to `target` (replaced if it exists); the parent is created."""
        self.mkdirs(self.parent(target))
        copied = self._jvm.org.apache.hadoop.fs.FileUtil.copy(
            self._fs, self._path(source), self._fs, self._path(target), False, True, self._conf
        )
        if not copied:
            raise HadoopFSError(f"cannot copy {source} to {target}")

    def delete(self, path: str, recursive: bool = True) -> bool:
        return bool(self._fs.delete(self._path(path), recursive))

    def touch(self, path: str) -> None:
        """An empty file at `path` (replacing any file there)."""
        self._fs.create(self._path(path), True).close()

    def read_text(self, path: str) -> str:
        stream = self._fs.open(self._path(path))
        try:
            return str(self._jvm.org.apache.commons.io.IOUtils.toString(stream, "UTF-8"))
        finally:
            stream.close()

    def write_text(self, path: str, text: str) -> None:
        stream = self._fs.create(self._path(path), True)
        try:
            stream.write(bytearray(text.encode("utf-8")))
        finally:
            stream.close()

    def read_json(self, path: str) -> Any:
        text = self.read_text(path)
        try:
            return json.loads(text)
        except ValueError as exc:
            raise HadoopFSError(f"{path} is not valid JSON: {exc}") from exc

    def write_json(self, path: str, document: Any) -> None:
        """Write `document` through a temporary file, so readers never see half of it."""
        temporary = f"{self.parent(path)}/.{self.name(path)}.tmp"
        self.write_text(temporary, json.dumps(document, indent=2, sort_keys=True) + "\n")
        self.replace(temporary, path)

    @staticmethod
    def parent(path: str) -> str:
        return path.rstrip("/").rsplit("/", 1)[0]

    @staticmethod
    def name(path: str) -> str:
        return path.rstrip("/").rsplit("/", 1)[1]
