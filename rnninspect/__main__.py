import sys

from rnninspect.cli import main

sys.exit(main())
