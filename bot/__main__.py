"""`python -m bot` is `diaspora-bot`."""

import sys

from bot.cli import main

sys.exit(main())
