"""How collectstatic stores the static files: ServeStatic's CompressedManifestStaticFilesStorage
(hashed names, a gzip and a Brotli copy of each), with two choices of ours:

- the page's ES modules' imports are rewritten to the hashed names too
  (`import … from "./api.js"` → "./api.3f9c….js"), so a module never loads a stale copy of
  another;
- only the hashed files, the ones the pages link, get compressed copies, and source maps get
  none (only developer tools read them): half the work at collectstatic. A file asked for by
  its plain name (Django admin's scripts build a few such paths) is still served, uncompressed.
"""

import re
from collections.abc import Iterator

from servestatic.storage import CompressedManifestStaticFilesStorage

HASHED_NAME = re.compile(r"\.[0-9a-f]{12}\.[^/.]+$")


class HashedCompressedStaticFilesStorage(CompressedManifestStaticFilesStorage):
    support_js_module_import_aggregation = True

    def compress_files(self, paths: set[str]) -> Iterator[tuple[str, str]]:
        linked = {path for path in paths if HASHED_NAME.search(path) and not path.endswith(".map")}
        return super().compress_files(linked)
