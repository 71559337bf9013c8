"""Adapters from other micro-expression datasets' own distributions to cmedbench's sample table.

One module per dataset reads its label spreadsheet or folder tree into published records; the label
map and errata live as data in ``maps/<dataset>.yaml`` (every erratum names its source); ``build``
turns records into sample-table rows, ``importer`` writes the release (frame lists that reference
the dataset's frames in place), ``composite`` joins imported releases (MEGC 2019, cross-dataset).
"""

from __future__ import annotations

# dataset name -> adapter module (imported lazily so `cmedbench --help` stays fast)
ADAPTERS: dict[str, str] = {
    "casme2": "cmedbench.datasets.casme2",
    "samm": "cmedbench.datasets.samm",
    "smic-hs": "cmedbench.datasets.smic",
    "smic-vis": "cmedbench.datasets.smic",
    "smic-nir": "cmedbench.datasets.smic",
    "casme3a": "cmedbench.datasets.casme3",
    "dfme": "cmedbench.datasets.dfme",
}
