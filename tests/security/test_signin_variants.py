"""Throttling counts one canonical username (issue 12, item 7): spacing, case and width give no more tries."""

import pytest

from endwatch.errors import TooManyAttempts
from endwatch.services.accounts.signin_limits import SignInLimiter, canonical_username


def test_whitespace_case_and_width_variants_of_a_throttled_name_stay_throttled() -> None:
    now = [1000.0]
    limiter = SignInLimiter(clock=lambda: now[0])
    for _ in range(5):
        limiter.check("auditor", "10.0.0.1")
        limiter.failed("auditor")
    for variant in ("auditor", " auditor", "auditor ", "\tAUDITOR", "Ａｕｄｉｔｏｒ", "\u3000auditor"):
        assert canonical_username(variant) == "auditor"
        with pytest.raises(TooManyAttempts):
            limiter.check(variant, "10.0.0.2")
    now[0] += 301  # the window has passed
    limiter.check(" auditor", "10.0.0.3")
