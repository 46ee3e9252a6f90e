"""Gzip and brotli copies of the static files: built at install, never served once their source changed."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from wsgiref.headers import Headers

from whitenoise import WhiteNoise
from whitenoise.compress import Compressor
from whitenoise.responders import StaticFile

from selfscan import config as cfg

log = logging.getLogger(__name__)

#: The content codings WhiteNoise serves and the suffix of the file that holds each.
SUFFIXES = {"br": ".br", "gzip": ".gz"}
# The build step (and whitenoise.compress) gives a copy its source's modification time, written
# back as a float: allow for the rounding, not for an edit.
MTIME_TOLERANCE_NS = 2_000_000

StatCache = Mapping[str, os.stat_result]

# What static/ holds for developers, not for browsers: the build scripts with their npm files
# (and node_modules after a rebuild) and the folder's README. Neither served nor compressed.
NOT_SERVED_DIRS = ("build",)
NOT_SERVED_FILES = ("README.md",)


def is_served(relative: str) -> bool:
    """Is this path, relative to static/ with forward slashes, a file browsers may fetch?"""
    parts = relative.replace(os.sep, "/").lstrip("/").split("/")
    return parts[0] not in NOT_SERVED_DIRS and parts[-1] not in NOT_SERVED_FILES


def _stat(path: str, stat_cache: StatCache | None) -> os.stat_result | None:
    try:
        return stat_cache[path] if stat_cache is not None else os.stat(path)
    except (KeyError, FileNotFoundError, NotADirectoryError):
        return None


def is_stale(source: str, copy: str, stat_cache: StatCache | None = None) -> bool:
    """True when `copy` exists but is not the compressed form of `source` as it is now: a copy
    carries the modification time of the source it was made from (and a gzip copy its size), so an
    edited, replaced or restored source no longer matches."""
    copy_stat = _stat(copy, stat_cache)
    if copy_stat is None:
        return False
    source_stat = _stat(source, stat_cache)
    if source_stat is None:
        return True
    if abs(copy_stat.st_mtime_ns - source_stat.st_mtime_ns) > MTIME_TOLERANCE_NS:
        return True
    if copy.endswith(".gz"):
        # The last four bytes of a gzip stream are the uncompressed size (modulo 2**32).
        try:
            with open(copy, "rb") as f:
                f.seek(-4, os.SEEK_END)
                size = int.from_bytes(f.read(4), "little")
        except OSError:
            return True
        return size != source_stat.st_size % 2**32
    return False


def _sources(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix not in (".gz", ".br")
                  and is_served(p.relative_to(root).as_posix()))


def stale_copies(root: Path) -> list[Path]:
    """Every compressed copy under `root` that would be wrong to serve (source changed or gone)."""
    stale = []
    for copy in sorted(p for p in root.rglob("*") if p.suffix in (".gz", ".br") and p.is_file()):
        source = copy.with_suffix("")
        if not source.is_file():
            continue  # a compressed file in its own right (WhiteNoise serves it as itself)
        if is_stale(str(source), str(copy)):
            stale.append(copy)
    return stale


def build(root: Path, log_line: Callable[[str], None] = lambda _line: None) -> list[Path]:
    """Write a gzip and a brotli copy of every file under `root` whose copies are missing or stale
    (where compressing saves at least 5 %); remove stale copies first. Returns the files written."""
    compressor = Compressor(quiet=True)
    if not compressor.use_brotli:
        raise SystemExit("The Brotli package is missing: pip install -e . installs it.")
    written: list[Path] = []
    for source in _sources(root):
        copies = [Path(str(source) + suffix) for suffix in SUFFIXES.values()]
        if all(c.is_file() and not is_stale(str(source), str(c)) for c in copies):
            continue
        for c in copies:
            c.unlink(missing_ok=True)
        if not compressor.should_compress(source.name):
            continue
        for name in compressor.compress(str(source)):
            written.append(Path(name))
            log_line(f"compressed {Path(name).relative_to(root)}")
    return written


class FreshWhiteNoise(WhiteNoise):
    """WhiteNoise that offers a compressed copy only while it matches its source; a stale copy is
    left unserved (with a warning once per file), so an edit after install is never hidden."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._warned: set[str] = set()
        self._url_prefix = "/" + str(kwargs.get("prefix") or "").strip("/") + "/"
        super().__init__(*args, **kwargs)

    def add_file_to_dictionary(self, url: str, path: str,
                               stat_cache: StatCache | None = None) -> None:
        if self._served_url(url):
            super().add_file_to_dictionary(url, path, stat_cache)

    def find_file(self, url: str) -> Any:
        # The autorefresh (debug) mode looks files up per request instead of at start.
        return super().find_file(url) if self._served_url(url) else None

    def _served_url(self, url: str) -> bool:
        return is_served(url.removeprefix(self._url_prefix))

    def get_static_file(self, path: str, url: str, stat_cache: StatCache | None = None) -> Any:
        # As WhiteNoise.get_static_file (whitenoise 6), with the stale copies left out.
        if stat_cache is None and not os.path.exists(path):
            return super().get_static_file(path, url, stat_cache)  # raises MissingFileError
        headers = Headers([])
        self.add_mime_headers(headers, path, url)
        self.add_cache_headers(headers, path, url)
        if self.allow_all_origins:
            headers["Access-Control-Allow-Origin"] = "*"
        if self.add_headers_function is not None:
            self.add_headers_function(headers, path, url)
        encodings = {}
        for coding, suffix in SUFFIXES.items():
            copy = path + suffix
            if is_stale(path, copy, stat_cache):
                if copy not in self._warned:
                    self._warned.add(copy)
                    log.warning("Not serving %s: it is older than or differs from %s. Rebuild the "
                                "compressed copies with `make install`.", copy, path)
                continue
            encodings[coding] = copy
        return StaticFile(path, headers.items(), stat_cache=stat_cache, encodings=encodings)


def main(argv: list[str] | None = None) -> int:
    """`python -m selfscan.web.static_compression [ROOT]`: build the copies (the install step)."""
    args = sys.argv[1:] if argv is None else argv
    root = Path(args[0]) if args else cfg.PROJECT_ROOT / "static"
    written = build(root, print)
    print(f"{len(written)} compressed copies written under {root}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
