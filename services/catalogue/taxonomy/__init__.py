"""The region's taxonomy: occupations, skills, the transitions between occupations, UK
labour-market signals and postcode districts, imported as one version.

- `import_taxonomy(session, data_dir)` reads the open data (a folder laid out like
  `/work/shared/data`: `esco/`, `nesta-career-causeways/`, `onet/`, `uk-lmi-where-the-work-is/`,
  `uk-postcode-outcodes/`);
- `import_demo_taxonomy(session)` loads the embedded default's small taxonomy instead;
- `import_postcodes(session, data_dir)` / `import_demo_postcodes(session)` only the districts.

Each brings the tables to what its inputs say with the fewest writes, in the caller's
transaction. A run that changed something records a TaxonomyVersion and publishes
`catalogue.taxonomy.updated` v1 with it; a second run with the same inputs changes no row,
records no version and publishes nothing.
"""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy.orm import Session

from services.catalogue.taxonomy.demo import demo_rows
from services.catalogue.taxonomy.districts import FOLDER as POSTCODE_FOLDER
from services.catalogue.taxonomy.districts import demo_districts, read_districts
from services.catalogue.taxonomy.open_data import read_open_data
from services.catalogue.taxonomy.progress import Progress, bars
from services.catalogue.taxonomy.release import ImportSummary, release
from services.catalogue.taxonomy.source_files import Inputs
from services.catalogue.taxonomy.writer import write_districts, write_taxonomy

__all__ = [
    "ImportSummary",
    "import_demo_postcodes",
    "import_demo_taxonomy",
    "import_postcodes",
    "import_taxonomy",
]


def import_taxonomy(
    session: Session, data_dir: Path, progress: Progress | None = None
) -> ImportSummary:
    """Import the taxonomy from the open data in `data_dir` (ESCO required, the rest optional)."""
    started, bar = time.perf_counter(), bars(progress)
    inputs = Inputs(Path(data_dir))
    rows, notes = read_open_data(inputs, bar)
    changes = write_taxonomy(session, rows, bar)
    return release(session, inputs, changes, notes, started)


def import_demo_taxonomy(session: Session, progress: Progress | None = None) -> ImportSummary:
    """Import the demo's occupations and Lancashire districts (the embedded default)."""
    started, inputs = time.perf_counter(), Inputs(None)
    changes = write_taxonomy(session, demo_rows(inputs), bars(progress))
    return release(session, inputs, changes, {}, started)


def import_postcodes(session: Session, data_dir: Path) -> ImportSummary:
    """Import only the postcode districts of `<data_dir>/uk-postcode-outcodes/`."""
    started, inputs = time.perf_counter(), Inputs(Path(data_dir))
    if not inputs.has(POSTCODE_FOLDER):
        raise FileNotFoundError(f"{data_dir} has no {POSTCODE_FOLDER}/ folder")
    changes = {"postcode_districts": write_districts(session, read_districts(inputs))}
    return release(session, inputs, changes, {}, started)


def import_demo_postcodes(session: Session) -> ImportSummary:
    """Import only the demo's Lancashire postcode districts."""
    started, inputs = time.perf_counter(), Inputs(None)
    districts = demo_districts()
    inputs.record("demo/districts", repr(sorted(districts.items())).encode())
    changes = {"postcode_districts": write_districts(session, districts)}
    return release(session, inputs, changes, {}, started)
