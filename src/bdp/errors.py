"""The one exception type the command line turns into a clean error message."""


class BdpError(Exception):
    """A failure the user can act on; the message names what is wrong and where."""
