"""What every test shares: the cookie key a deployment sets (ORIGINALITY_SECRET_KEY), so that
the apps and `originality serve` processes the tests start run as in production. A test of
the development key or of the refusal without one removes it (monkeypatch.delenv)."""

from __future__ import annotations

import os
import secrets

os.environ.setdefault("ORIGINALITY_SECRET_KEY", secrets.token_hex(32))
