from __future__ import annotations

from nbgen.cli import main

raise SystemExit(main())
