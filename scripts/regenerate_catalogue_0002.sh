#!/usr/bin/env bash
# Regenerate the catalogue's unreleased second migration from models.py (autogenerate against
# a database at revision 0001). Delete this script once 0002 has landed on main for good.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -f services/catalogue/migrations/versions/catalogue_0002_*.py
db=$(mktemp -d)/gen.sqlite3
.venv/bin/python - "$db" <<'PY'
import sys
from alembic import command
from services import load
from shared.migrate import alembic_config
cfg = alembic_config(load("catalogue"), f"sqlite:///{sys.argv[1]}")
command.upgrade(cfg, "catalogue_0001")
command.revision(cfg, message="taxonomy providers keys campuses and full courses",
                 autogenerate=True, rev_id="catalogue_0002")
PY
.venv/bin/ruff format -q services/catalogue/migrations
