"""Scrub claim files on Apache Spark: ``scrub_files(spark, paths, ...)`` and ``scrubber scrub
--spark MASTER``.

One run on a cluster gives what one process gives: the same corrected files, the same
report entries, day totals summed across files and partitions. It needs the ``spark`` extra
(``pip install 'claim-scrubber[spark]'``); the core never imports this package. See
docs/spark.md.
"""

from __future__ import annotations

from scrubber.spark._api import RESULT_COLUMNS, scrub_files

__all__ = ["RESULT_COLUMNS", "scrub_files"]
