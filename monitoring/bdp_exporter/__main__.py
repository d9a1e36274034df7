"""`python3 -m bdp_exporter`."""

import sys

from bdp_exporter.cli import main

sys.exit(main())
