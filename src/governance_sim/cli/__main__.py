"""``python -m governance_sim.cli``."""

import sys

from governance_sim.cli import main

sys.exit(main())
