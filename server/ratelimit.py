"""Rate limits (flask-limiter): memory storage for one process, a Redis URI when several app servers run."""
from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address, default_limits=[])


