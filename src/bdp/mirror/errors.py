"""The one exception type of the mirror builder."""

from bdp.errors import BdpError


class MirrorError(BdpError):
    """A build or verify step failed; the message names the artifact and what is wrong."""
