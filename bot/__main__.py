"""`python -m bot` is `diaspora-bot`."""

import sys

from bot.entry import main

sys.exit(main())
