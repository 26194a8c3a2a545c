"""Static files as whitenoise serves them, compressed with gzip only.

The Brotli library arrived with WeasyPrint (through fontTools) and whitenoise uses it whenever
it is installed; at its highest setting it took `holdspace serve` from a few seconds to half a
minute of start-up on the API documentation's bundles. Gzip alone is what browsers have always
been served here.
"""

from __future__ import annotations

from typing import Any

from whitenoise.compress import Compressor  # type: ignore[import-untyped]
from whitenoise.storage import CompressedManifestStaticFilesStorage  # type: ignore[import-untyped]


class GzipManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):
    def create_compressor(self, **kwargs: Any) -> Compressor:
        return Compressor(use_brotli=False, **kwargs)
