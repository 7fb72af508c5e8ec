"""``migrate anonymise``: a small, consistent, PII-free test export of an Intermediary file.

The library entry is :func:`anonymise`; the pieces are the subset (``subset.py``), the keyed
pseudonyms (``pseudonyms.py``), the scrubber (``scrub.py``), the policy (``policy.py``), the row
rewriter (``transform.py``) and the report (``report.py``).
"""

from migrate.anonymise.policy import Policy, default_policy, load_policy
from migrate.anonymise.report import AnonymiseReport, render_text
from migrate.anonymise.run import (
    DEFAULT_EMAIL_TEMPLATE,
    InputInvalid,
    OutputInvalid,
    OutputLeaks,
    anonymise,
)

__all__ = [
    "DEFAULT_EMAIL_TEMPLATE",
    "AnonymiseReport",
    "InputInvalid",
    "OutputInvalid",
    "OutputLeaks",
    "Policy",
    "anonymise",
    "default_policy",
    "load_policy",
    "render_text",
]
