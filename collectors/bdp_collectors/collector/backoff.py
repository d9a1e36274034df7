"""Exponential backoff with jitter, capped, honouring a server's Retry-After."""

import random

from bdp_collectors.collector.config import RetryPolicy


class Backoff:
    """Delays for consecutive failures; reset() after a success."""

    def __init__(self, policy: RetryPolicy, rng: random.Random | None = None) -> None:
        self.policy = policy
        self.rng = rng or random.Random()
        self.failures = 0

    def next_delay(self, retry_after: float | None = None) -> float:
        """Seconds to wait after one more failure: at least retry_after, if the server gave one."""
        ceiling = min(
            self.policy.max_s, self.policy.initial_s * self.policy.multiplier**self.failures
        )
        if ceiling < self.policy.max_s:
            self.failures += 1  # stops growing at the cap (a float power would overflow)
        # Jitter spreads the retries of collectors that failed together.
        delay = ceiling * self.rng.uniform(0.5, 1.0)
        return max(delay, retry_after or 0.0)

    def reset(self) -> None:
        self.failures = 0
