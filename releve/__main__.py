"""``python -m releve``: the same as the ``releve`` command."""

from releve.cli import main

raise SystemExit(main())
