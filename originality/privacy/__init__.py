"""Students' data under the GDPR: how long each kind is kept (``policy``), which records a
case holds as evidence (``holds``), erasure on request (``erasure``), export of everything held
about a student (``export``) and the retention run (``retention``). docs/privacy.md says the
same for a data protection officer.

Import the modules themselves: this package's ``__init__`` imports nothing, because the
settings import ``policy`` while the store package is still being imported.
"""
